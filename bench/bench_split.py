"""Benchmark: a 24-page scanned PDF read by one worker process and by more (two by default;
`--processes 1,2,4` on a machine with four cores).

The file is split into page ranges (SPLIT_PAGES, RANGE_PAGES) that the worker's processes
read at once; the last range assembles the result. The same settings on every run, only
the number of processes (and SPLIT_WIDTH, ranges out at once) differs. Tesseract, whose
pages are the corpus's degraded scans (bench/corpus_scans.py), repeated to 24 pages. Every
stack is started first, then runs go up and back down (1, 2, 2, 1 processes): the machine
may be shared, and its load drifts alike over all of them.
"""

import argparse
import json
import os
import tempfile
import time
import uuid
from contextlib import ExitStack
from itertools import cycle, islice
from pathlib import Path
from statistics import fmean

import psycopg
import redis

from bench import corpus
from bench.bench_documents import engines_reported, pipeline_run
from bench.bench_pipeline import POSTGRES_URL, REDIS_URL
from tests.documents import image_pdf, page_image
from tests.stack import Stack, recreate_database, wait_for

RANGE_PAGES = 4


def scanned_pdf(pages: int) -> bytes:
    """Return a PDF of `pages` degraded scans (the corpus's, repeated), as JPEG pages."""
    scans = corpus.pages(kinds=["scan"])
    return image_pdf([scan.image for scan in islice(cycle(scans), pages)], "JPEG")


def start_stack(processes: int, folder: Path, cleanup: ExitStack) -> tuple[Stack, str, str]:
    """Start a stack whose worker runs `processes` processes, warmed up; return it, a
    user's token and its database URL."""
    namespace = f"ocrapp-bench-split-{uuid.uuid4().hex[:8]}"
    database_url = recreate_database(POSTGRES_URL, f"ocrapp_bench_split_{processes}")
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "STORAGE_URL": (folder / "storage").as_uri(),
        "WORKER_CONCURRENCY": str(processes),
        "EVENT_NAMESPACE": namespace,
        "OCR_QUEUE": namespace,
        "OCR_ENGINE": "tesseract",
        "SPLIT_PAGES": "8",
        "RANGE_PAGES": str(RANGE_PAGES),
        "SPLIT_WIDTH": str(processes),
    }
    folder.mkdir()
    stack = Stack(env, folder)
    stack.cli("db", "upgrade")
    token = stack.cli("users", "create", "bench@example.com").splitlines()[-1]
    cleanup.callback(stack.stop)
    stack.start()
    wait_for(lambda: engines_reported(stack, token, ["tesseract"]), 120, "the engines")
    for _ in range(processes):  # each process's first page, as a worker's first task
        pipeline_run(stack, token, "tesseract", image_pdf([page_image(["warm up"])]))
    return stack, token, database_url


def timed_run(started: tuple[Stack, str, str], pdf: bytes, pages: int) -> tuple[float, float]:
    """Read the PDF on a started stack; return the seconds to completed, and how many
    ranges ran at once on average."""
    stack, token, database_url = started
    seconds, texts, task_id = pipeline_run(stack, token, "tesseract", pdf)
    if len(texts) != pages:
        raise RuntimeError(f"{len(texts)} pages in the result, not {pages}")
    return seconds, overlap(database_url, task_id)


def alternated_runs(
    pdf: bytes, pages: int, counts: list[int]
) -> dict[int, list[tuple[float, float]]]:
    """Run the PDF on each count of processes going up, then coming back down (1, 2, 2, 1:
    a shared machine's load drifts alike over all of them); return each count's runs."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    runs: dict[int, list[tuple[float, float]]] = {n: [] for n in counts}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as cleanup:
        stacks = {n: start_stack(n, Path(folder) / str(n), cleanup) for n in runs}
        for processes in [*counts, *reversed(counts)]:
            runs[processes].append(timed_run(stacks[processes], pdf, pages))
    return runs


def overlap(database_url: str, task_id: str) -> float:
    """Return the seconds the task's ranges ran, added up, over the seconds from the first
    range's start to the last one's end: how many ran at once, on average."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        spans = connection.execute(
            "SELECT started_at, finished_at FROM task_ranges WHERE task_id = %s", (task_id,)
        ).fetchall()
    busy = sum((finished - started).total_seconds() for started, finished in spans)
    wall = (max(end for _, end in spans) - min(start for start, _ in spans)).total_seconds()
    return busy / wall


def report(runs: dict[int, list[tuple[float, float]]], pages: int, load: float) -> dict:
    """Each count's mean seconds, its ratio to one process's and its ranges at once."""
    seconds = {n: fmean(s for s, _ in r) for n, r in runs.items()}
    first = min(runs)
    return {
        "pages": pages,
        "seconds": {n: round(s, 1) for n, s in seconds.items()},
        "ratio": {n: round(s / seconds[first], 3) for n, s in seconds.items()},
        "ranges_at_once": {n: round(fmean(at for _, at in r), 2) for n, r in runs.items()},
        "runs": {n: [round(s, 1) for s, _ in r] for n, r in runs.items()},
        "cpus": os.cpu_count(),
        "load_before": round(load, 2),
        "date": time.strftime("%Y-%m-%d"),
    }


def main() -> None:
    """Run the split benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument(
        "--processes",
        default="1,2",
        help="worker processes of each stack, the first the baseline (default 1,2)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    counts = sorted({int(n) for n in args.processes.split(",")})
    load = os.getloadavg()[0]
    results = report(alternated_runs(scanned_pdf(args.pages), args.pages, counts), args.pages, load)
    print(
        f"{args.pages} scanned pages, Tesseract, ranges of {RANGE_PAGES} pages, mean of two "
        f"runs each ({os.cpu_count()} CPUs, load {load:.2f} before; target: two processes "
        f"at most 0.6 of one):"
    )
    for n in counts:
        print(
            f"  {n} process{'es' if n > 1 else ''}: {results['seconds'][n]:.1f} s, "
            f"ratio {results['ratio'][n]:.2f}, {results['ranges_at_once'][n]:.2f} ranges at once"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
