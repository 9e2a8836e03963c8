"""Benchmark: raw EasyOCR throughput, end-to-end throughput, and worker-to-socket latency."""

import argparse
import json
import multiprocessing
import os
import queue
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import redis
import requests
import websocket

from tasks.pipeline.sources import decode_image
from tests.images import text_image
from tests.stack import Stack, recreate_database, start_moto_server

POSTGRES_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
DATABASE = "ocrapp_bench"
# Updates the worker publishes; `queued` comes from the web process.
WORKER_STATUSES = {"processing", "completed"}
WARM_UP_TIMEOUT = 300
RUN_TIMEOUT = 900
SUBMITTERS = 4
# fmt: off
WORDS = [
    "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "morning", "coffee", "table",
    "window", "garden", "river", "bridge", "market", "street", "yellow", "green", "summer",
    "winter", "letter", "paper", "number", "house", "school", "friend", "family", "water", "light",
    "music", "simple", "strong", "early", "later", "travel", "station", "ticket",
]
# fmt: on


def bench_images(count: int) -> list[bytes]:
    """Return `count` different PNGs of 3-4 lines of common words, the same on every run."""
    rng = random.Random(2026)
    return [
        text_image(
            [" ".join(rng.sample(WORDS, rng.randint(3, 5))) for _ in range(rng.randint(3, 4))]
        )
        for _ in range(count)
    ]


def claim_next(counter) -> int:
    """Take the next image index from the shared counter."""
    with counter.get_lock():
        counter.value += 1
        return counter.value - 1


def recognize_share(images: list[bytes], counter, start_line, spans) -> None:
    """Load EasyOCR, wait for the other processes, then recognise images until none are left."""
    from tasks.pipeline.engines.easyocr_engine import EasyOcrEngine

    engine = EasyOcrEngine(threads=1)
    decoded = [decode_image(data) for data in images]
    # One untimed run, as the end-to-end warm-up gives each worker child.
    engine.recognize(decoded[0], ["eng"], lambda *_: None)
    start_line.wait(timeout=WARM_UP_TIMEOUT)
    started = time.perf_counter()
    while (index := claim_next(counter)) < len(decoded):
        engine.recognize(decoded[index], ["eng"], lambda *_: None)
    spans.put((started, time.perf_counter()))


def collect_spans(children, spans, timeout: float) -> list[tuple[float, float]]:
    """Return each child's (start, end), failing as soon as one of them fails."""
    finished, deadline = [], time.monotonic() + timeout
    while len(finished) < len(children):
        if time.monotonic() > deadline:
            raise TimeoutError(f"raw EasyOCR processes not done within {timeout}s")
        if any(child.exitcode for child in children):
            raise RuntimeError("a raw EasyOCR process failed")
        try:
            finished.append(spans.get(timeout=1))
        except queue.Empty:
            continue
    return finished


def raw_seconds(images: list[bytes], processes: int) -> float:
    """Recognise `images` in `processes` processes of one torch thread each; return the seconds."""
    # Forked from a parent without torch, as Celery's prefork pool starts its children.
    context = multiprocessing.get_context("fork")
    counter, start_line, spans = context.Value("i", 0), context.Barrier(processes), context.Queue()
    children = [
        context.Process(target=recognize_share, args=(images, counter, start_line, spans))
        for _ in range(processes)
    ]
    try:
        for child in children:
            child.daemon = True
            child.start()
        finished = collect_spans(children, spans, WARM_UP_TIMEOUT + RUN_TIMEOUT)
    finally:
        for child in children:
            child.terminate()
            child.join()
    return max(end for _, end in finished) - min(start for start, _ in finished)


def storage_env(storage: str, log_dir: Path, cleanup: ExitStack) -> dict[str, str]:
    """Configure `file` storage in a temporary folder, or `s3` on moto's server."""
    if storage == "file":
        return {"STORAGE_URL": (log_dir / "storage").as_uri()}
    moto, s3_endpoint = start_moto_server(log_dir)
    cleanup.callback(moto.stop)
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "STORAGE_URL": "s3://ocrapp-bench/bench",
        "S3_ENDPOINT_URL": s3_endpoint,
    }


def stack_env(processes: int) -> dict[str, str]:
    """Configure the stack: a fresh database, its own queue and event namespace."""
    namespace = f"ocrapp-bench-{uuid.uuid4().hex[:8]}"
    return {
        "DATABASE_URL": recreate_database(POSTGRES_URL, DATABASE),
        "REDIS_URL": REDIS_URL,
        "WORKER_CONCURRENCY": str(processes),
        "EVENT_NAMESPACE": namespace,
        "OCR_QUEUE": namespace,
    }


def raise_submit_error(submissions: list[Future]) -> None:
    """Re-raise the error of a submission that failed, if any."""
    for submission in submissions:
        if submission.done() and submission.exception():
            raise submission.exception()


def follow_updates(ws, count: int, submissions: list[Future], timeout: float):
    """Read updates until `count` tasks completed; return their ids, the end and the latencies."""
    completed, latencies = set(), []
    deadline = time.monotonic() + timeout
    while len(completed) < count:
        raise_submit_error(submissions)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count - len(completed)} tasks not completed within {timeout}s")
        try:
            raw = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        received = time.time()
        message = json.loads(raw)
        if message.get("type") != "task_update":
            continue
        data = message["data"]
        if data["status"] == "failed":
            raise RuntimeError(f"task {data['taskId']} failed: {data['error']}")
        if data["status"] in WORKER_STATUSES:
            published = datetime.fromisoformat(message["timestamp"]).timestamp()
            latencies.append((received - published) * 1000)
        if data["status"] == "completed":
            completed.add(data["taskId"])
    return completed, time.perf_counter(), latencies


def submit(url: str, token: str, image: bytes) -> dict:
    """Upload `image` for OCR and return the new task."""
    response = requests.post(
        f"{url}/api/tasks",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("bench.png", image, "image/png")},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def run_batch(url: str, token: str, images: list[bytes], timeout: float):
    """Submit `images` and follow them over a WebSocket; return the seconds and latencies (ms)."""
    ws = websocket.create_connection(
        url.replace("http", "ws", 1) + "/ws", header=[f"Authorization: Bearer {token}"], timeout=1
    )
    try:
        with ThreadPoolExecutor(SUBMITTERS) as pool:
            started = time.perf_counter()
            submissions = [pool.submit(submit, url, token, image) for image in images]
            completed, finished, latencies = follow_updates(ws, len(images), submissions, timeout)
        submitted = {submission.result()["taskId"] for submission in submissions}
    finally:
        ws.close()
    if completed != submitted:
        raise RuntimeError("the completed tasks are not the ones submitted")
    return finished - started, latencies


def end_to_end(
    images: list[bytes], processes: int, storage: str, log_dir: Path
) -> tuple[float, list[float]]:
    """Run the images through web, broker, worker, storage and PostgreSQL after a warm-up."""
    redis.Redis.from_url(REDIS_URL).flushdb()  # The bench's own database: clear old queues.
    with ExitStack() as cleanup:
        env = stack_env(processes) | storage_env(storage, log_dir, cleanup)
        stack = Stack(env, log_dir)
        stack.cli("db", "upgrade")
        stack.cli("storage", "init")
        token = stack.cli("users", "create", "bench@example.com").splitlines()[-1]
        cleanup.callback(stack.stop)
        stack.start()
        # Every worker child loads its model and runs once before the timed run.
        run_batch(stack.url, token, images[:processes], WARM_UP_TIMEOUT)
        return run_batch(stack.url, token, images, RUN_TIMEOUT)


def percentile(values: list[float], percent: int) -> float:
    """Return the `percent`th percentile of `values`, rounded to 0.1."""
    return round(statistics.quantiles(values, n=100, method="inclusive")[percent - 1], 1)


def summarize(count: int, raw: float, runs: dict[str, tuple[float, list[float]]]) -> dict:
    """Return the results as JSON-ready data."""
    return {
        "images": count,
        "processes": os.cpu_count() or 1,
        "raw_images_per_second": round(count / raw, 3),
        "end_to_end": {
            storage: {
                "images_per_second": round(count / total, 3),
                "ratio_to_raw": round(raw / total, 3),
                "latency_ms": {
                    "p50": percentile(latencies, 50),
                    "p99": percentile(latencies, 99),
                    "updates": len(latencies),
                },
            }
            for storage, (total, latencies) in runs.items()
        },
    }


STORAGE_NAMES = {"file": "local folder", "s3": "S3 on moto's server"}


def report(results: dict) -> str:
    """Format the results as a markdown table."""
    processes = results["processes"]
    lines = [
        f"{results['images']} generated images of 3-4 lines; {processes} CPUs.",
        "",
        "| Measure | images/s | end to end / raw | update latency p50 / p99 |",
        "| --- | --- | --- | --- |",
        f"| (a) raw EasyOCR, {processes} processes x 1 torch thread "
        f"| {results['raw_images_per_second']:.2f} | | |",
    ]
    for storage, run in results["end_to_end"].items():
        latency = run["latency_ms"]
        lines.append(
            f"| (b) end to end: API, Redis, worker, PostgreSQL, {STORAGE_NAMES[storage]} "
            f"| {run['images_per_second']:.2f} | {run['ratio_to_raw']:.2f} "
            f"| {latency['p50']:.1f} ms / {latency['p99']:.1f} ms ({latency['updates']} updates) |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=24, help="images per run (default 24)")
    parser.add_argument(
        "--storage",
        choices=["file", "s3", "both"],
        default="both",
        help="storage of the end-to-end run (default both)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    # Turn `kill` into an exception, so that the cleanup below stops every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = os.cpu_count() or 1
    images = bench_images(args.images)
    raw = raw_seconds(images, processes)
    storages = ["file", "s3"] if args.storage == "both" else [args.storage]
    runs = {storage: logged_end_to_end(images, processes, storage) for storage in storages}
    results = summarize(args.images, raw, runs)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def logged_end_to_end(images: list[bytes], processes: int, storage: str):
    """Run `end_to_end`, printing the processes' logs if it fails."""
    with tempfile.TemporaryDirectory(prefix="ocrapp-bench-") as log_dir:
        try:
            return end_to_end(images, processes, storage, Path(log_dir))
        except BaseException:
            for log in sorted(Path(log_dir).glob("*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}", file=sys.stderr)
            raise


if __name__ == "__main__":
    main()
