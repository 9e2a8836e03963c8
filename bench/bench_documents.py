"""Benchmark: pages per minute of each engine on a 5-page scanned PDF, raw and end to end.

Both runs use one process with one torch thread (one worker process handles one
document), on the same pages: rendered from the PDF as the worker renders them.
"""

import argparse
import json
import random
import re
import tempfile
import time
import uuid
from contextlib import ExitStack
from difflib import SequenceMatcher
from pathlib import Path

import redis
import requests
import websocket

from bench.bench_pipeline import POSTGRES_URL, REDIS_URL, WORDS
from tasks.engines import load_engine
from tests.documents import image_pdf, page_image
from tests.stack import Stack, recreate_database

DPI, MAX_PIXELS = 300, 40_000_000
TIMEOUT = 1800


def document(pages: int, lines: int) -> tuple[bytes, list[str]]:
    """Return a scanned PDF of `pages` pages of `lines` lines, and each page's true text."""
    rng = random.Random(5)
    texts = [[" ".join(rng.sample(WORDS, 6)) for _ in range(lines)] for _ in range(pages)]
    return image_pdf([page_image(text, size=32) for text in texts]), [" ".join(t) for t in texts]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def accuracy(truth: list[str], found: list[str]) -> float:
    """Return the share of the true words found, in order (a word-level alignment)."""
    matcher = SequenceMatcher(a=words(" ".join(truth)), b=words(" ".join(found)), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(len(matcher.a), 1)


def raw_run(engine_name: str, pdf: bytes) -> tuple[float, list[str]]:
    """Recognise the rendered pages with the engine alone; return seconds and page texts."""
    from tasks.layout import build_page
    from tasks.sources import pdf_pages

    engine = load_engine(engine_name, 1)
    _, sources = pdf_pages(pdf, DPI, MAX_PIXELS, force_ocr=True)
    images = [source.image for source in sources]
    engine.recognize(images[0], ["eng"], lambda *_: None)  # warm, as a worker's first task
    started, texts = time.perf_counter(), []
    for number, image in enumerate(images, start=1):
        fragments = engine.recognize(image, ["eng"], lambda *_: None)
        texts.append(build_page(fragments, number, image.width, image.height).text)
    return time.perf_counter() - started, texts


def pipeline_run(stack: Stack, token: str, engine: str, pdf: bytes) -> tuple[float, list[str]]:
    """Submit the PDF and wait for `completed` on the WebSocket; return seconds and texts."""
    headers = {"Authorization": f"Bearer {token}"}
    ws = websocket.create_connection(
        stack.url.replace("http", "ws", 1) + "/ws",
        header=[f"Authorization: {headers['Authorization']}"],
    )
    try:
        ws.settimeout(TIMEOUT)
        started = time.perf_counter()
        task = requests.post(
            f"{stack.url}/api/tasks",
            headers=headers,
            files={"file": ("bench.pdf", pdf)},
            data={"engine": engine},
            timeout=60,
        ).json()
        while True:
            data = json.loads(ws.recv()).get("data", {})
            if data.get("taskId") == task["taskId"] and data["status"] in ("completed", "failed"):
                break
        elapsed = time.perf_counter() - started
    finally:
        ws.close()
    if data["status"] != "completed":
        raise RuntimeError(f"{engine}: {data['error']}")
    result = requests.get(
        f"{stack.url}/api/tasks/{task['taskId']}/result", headers=headers, timeout=60
    )
    return elapsed, [page["text"] for page in result.json()["pages"]]


def run(engines: list[str], pages: int, lines: int) -> dict:
    """Measure every engine raw, then through a one-process worker."""
    pdf, truth = document(pages, lines)
    results = {engine: {"raw": raw_run(engine, pdf)} for engine in engines}
    redis.Redis.from_url(REDIS_URL).flushdb()
    namespace = f"ocrapp-bench-docs-{uuid.uuid4().hex[:8]}"
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
        for engine in engines:
            pipeline_run(stack, token, engine, image_pdf([page_image(["warm up"])]))
            results[engine]["pipeline"] = pipeline_run(stack, token, engine, pdf)
    return {
        engine: {
            "raw_pages_per_minute": round(60 * pages / run["raw"][0], 2),
            "pipeline_pages_per_minute": round(60 * pages / run["pipeline"][0], 2),
            "pipeline_to_raw": round(run["raw"][0] / run["pipeline"][0], 3),
            "word_accuracy": round(accuracy(truth, run["pipeline"][1]), 4),
        }
        for engine, run in results.items()
    }


def report(results: dict, pages: int, lines: int) -> str:
    """Format the results as a markdown table."""
    rows = [
        f"A generated {pages}-page scanned PDF, {lines} lines of 6 words a page, "
        f"rendered at {DPI} dpi; one process, one thread.",
        "",
        "| Engine | raw pages/min | pipeline pages/min | pipeline / raw | word accuracy |",
        "| --- | --- | --- | --- | --- |",
    ]
    for engine, r in results.items():
        rows.append(
            f"| {engine} | {r['raw_pages_per_minute']:.1f} | {r['pipeline_pages_per_minute']:.1f} "
            f"| {r['pipeline_to_raw']:.2f} | {100 * r['word_accuracy']:.1f} % |"
        )
    return "\n".join(rows)


def main() -> None:
    """Run the document benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--lines", type=int, default=12)
    parser.add_argument("--engines", default="tesseract,easyocr")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    results = run(args.engines.split(","), args.pages, args.lines)
    print(report(results, args.pages, args.lines))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
