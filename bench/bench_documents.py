"""Benchmark: pages per minute of each engine on a scanned PDF, raw and end to end.

The PDF is made of the layout corpus's scans (bench/corpus.py: letter pages at 300 dpi,
degraded like a scanner's). Both runs use one process with one torch thread (one worker
process handles one document), on the same pages: rendered from the PDF as the worker
renders them. The worker logs the seconds of each stage of each page; the report gives
each stage's share of the pipeline's time.
"""

import argparse
import json
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from statistics import fmean

import redis
import requests
import websocket

from bench import corpus
from bench.bench_pipeline import POSTGRES_URL, REDIS_URL
from bench.quality import character_error_rate, word_recall
from tasks.pipeline.engines import load_engine
from tasks.pipeline.layout import build_page
from tests.documents import image_pdf, page_image
from tests.stack import Stack, recreate_database, wait_for

DPI, MAX_PIXELS = 300, 40_000_000
TIMEOUT = 1800


def document(pages: int) -> tuple[bytes, list[str]]:
    """Return a scanned PDF of the corpus's first `pages` scans, and each page's true text."""
    scans = corpus.pages(kinds=["scan"])[:pages]
    return image_pdf([scan.image for scan in scans], "JPEG"), [scan.truth for scan in scans]


def quality(truth: list[str], found: list[str]) -> dict:
    """Return the mean character error rate and word recall of the pages read."""
    pairs = list(zip(truth, found, strict=True))
    return {
        "cer": round(fmean(character_error_rate(t, f) for t, f in pairs), 4),
        "word_recall": round(fmean(word_recall(t, f) for t, f in pairs), 4),
    }


def stage_seconds(log: Path, task_id: str) -> dict[str, float]:
    """Add up the worker's logged stage seconds for the task (JSON log lines)."""
    totals: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        record = json.loads(line) if line.startswith("{") else {}
        if record.get("task_id") == task_id and "stages" in record:
            for stage, seconds in record["stages"].items():
                totals[stage] = totals.get(stage, 0.0) + seconds
    return totals


def raw_run(engine_name: str, pdf: bytes) -> tuple[float, list[str]]:
    """Recognise the rendered pages with the engine alone; return its seconds and texts."""
    from tasks.pipeline.sources import pdf_pages

    engine = load_engine(engine_name, 1)
    _, sources = pdf_pages(pdf, DPI, MAX_PIXELS, force_ocr=True)
    images = [source.image for source in sources]
    engine.recognize(images[0], ["eng"], lambda *_: None)  # warm, as a worker's first task
    seconds, texts = 0.0, []
    for number, image in enumerate(images, start=1):
        started = time.perf_counter()
        fragments = engine.recognize(image, ["eng"], lambda *_: None)
        seconds += time.perf_counter() - started
        texts.append(build_page(fragments, number, image.width, image.height).text)
    return seconds, texts


def pipeline_run(stack: Stack, token: str, engine: str, pdf: bytes) -> tuple[float, list, str]:
    """Submit the PDF and wait for `completed` on the WebSocket; return seconds, texts, id."""
    headers = {"Authorization": f"Bearer {token}"}
    ws = websocket.create_connection(
        stack.url.replace("http", "ws", 1) + "/ws",
        header=[f"Authorization: {headers['Authorization']}"],
    )
    try:
        ws.settimeout(TIMEOUT)
        started = time.perf_counter()
        response = requests.post(
            f"{stack.url}/api/tasks",
            headers=headers,
            files={"file": ("bench.pdf", pdf)},
            data={"engine": engine},
            timeout=60,
        )
        if response.status_code != 202:
            raise RuntimeError(f"{engine}: {response.status_code} {response.text}")
        task_id = response.json()["taskId"]
        while True:
            data = json.loads(ws.recv()).get("data", {})
            if data.get("taskId") == task_id and data["status"] in ("completed", "failed"):
                break
        elapsed = time.perf_counter() - started
    finally:
        ws.close()
    if data["status"] != "completed":
        raise RuntimeError(f"{engine}: {data['error']}")
    result = requests.get(f"{stack.url}/api/tasks/{task_id}/result", headers=headers, timeout=60)
    return elapsed, [page["text"] for page in result.json()["pages"]], task_id


def engines_reported(stack: Stack, token: str, engines: list[str]) -> bool:
    """Whether the worker has reported every one of `engines` to the API."""
    headers = {"Authorization": f"Bearer {token}"}
    offered = requests.get(f"{stack.url}/api/engines", headers=headers, timeout=10).json()
    return set(engines) <= {engine["name"] for engine in offered["engines"]}


def pipeline_runs(engines: list[str], pdf: bytes) -> dict[str, tuple]:
    """Run the PDF through a one-process worker with each engine; add its stage seconds."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    namespace = f"ocrapp-bench-docs-{uuid.uuid4().hex[:8]}"
    runs = {}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as cleanup:
        env = {
            "DATABASE_URL": recreate_database(POSTGRES_URL, "ocrapp_bench"),
            "REDIS_URL": REDIS_URL,
            "STORAGE_URL": (Path(folder) / "storage").as_uri(),
            "WORKER_CONCURRENCY": "1",
            "EVENT_NAMESPACE": namespace,
            "OCR_QUEUE": namespace,
        }
        stack = Stack(env, Path(folder))
        stack.cli("db", "upgrade")
        token = stack.cli("users", "create", "bench@example.com").splitlines()[-1]
        cleanup.callback(stack.stop)
        stack.start()
        wait_for(lambda: engines_reported(stack, token, engines), 120, "the worker's engines")
        for engine in engines:
            pipeline_run(stack, token, engine, image_pdf([page_image(["warm up"])]))
            seconds, texts, task_id = pipeline_run(stack, token, engine, pdf)
            stages = stage_seconds(Path(folder) / "worker.log", task_id)
            runs[engine] = (seconds, texts, stages)
    return runs


def run(engines: list[str], pages: int) -> dict:
    """Measure every engine raw, then through a one-process worker."""
    pdf, truth = document(pages)
    raw = {engine: raw_run(engine, pdf) for engine in engines}
    pipeline = pipeline_runs(engines, pdf)
    results = {}
    for engine in engines:
        (raw_seconds, raw_texts), (seconds, texts, stages) = raw[engine], pipeline[engine]
        stages["queue, start, finish"] = seconds - sum(stages.values())
        results[engine] = {
            "raw_pages_per_minute": round(60 * pages / raw_seconds, 2),
            "pipeline_pages_per_minute": round(60 * pages / seconds, 2),
            "pipeline_to_raw": round(raw_seconds / seconds, 3),
            "raw": quality(truth, raw_texts),
            "pipeline": quality(truth, texts),
            "stage_share": {stage: round(spent / seconds, 4) for stage, spent in stages.items()},
            "raw_share": round(raw_seconds / seconds, 4),
        }
    return results


def report(results: dict, pages: int) -> str:
    """Format the results as markdown tables."""
    rows = [
        f"{pages} pages of the layout corpus's scans in one PDF, rendered at {DPI} dpi; one "
        "process, one thread. Raw: the engine alone on the rendered pages (for its error rate, "
        "Tesseract's words in its own layout, EasyOCR's by XY-cut); CER against the true "
        "reading order.",
        "",
        "| Engine | raw pages/min | pipeline pages/min | pipeline / raw | raw CER | "
        "pipeline CER | pipeline word recall |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for engine, r in results.items():
        rows.append(
            f"| {engine} | {r['raw_pages_per_minute']:.1f} | {r['pipeline_pages_per_minute']:.1f} "
            f"| {r['pipeline_to_raw']:.2f} | {r['raw']['cer']:.3f} | {r['pipeline']['cer']:.3f} "
            f"| {r['pipeline']['word_recall']:.3f} |"
        )
    stages = sorted({stage for r in results.values() for stage in r["stage_share"]})
    rows += ["", "Share of the pipeline's time, by stage (the worker's log):", ""]
    rows.append("| Stage | " + " | ".join(results) + " |")
    rows.append("| --- |" + " --- |" * len(results))
    for stage in stages:
        shares = [f"{100 * r['stage_share'].get(stage, 0):.1f} %" for r in results.values()]
        rows.append(f"| {stage} | " + " | ".join(shares) + " |")
    return "\n".join(rows)


def main() -> None:
    """Run the document benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--engines", default="tesseract,easyocr")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    results = run(args.engines.split(","), args.pages)
    print(report(results, args.pages))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
