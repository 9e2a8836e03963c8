"""Benchmark: uploads per second at 50 concurrent clients, database and storage in the loop."""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import redis
from sqlalchemy import func, select

from bench.bench_pipeline import POSTGRES_URL, REDIS_URL, percentile
from bench.bench_sockets import cpu_seconds, gunicorn_workers
from ocrapp import create_app
from ocrapp.config import Settings
from ocrapp.core.db import db
from ocrapp.core.inspection import inspect_bytes
from ocrapp.core.inspector import inspect_upload_bytes
from ocrapp.core.models import Task
from ocrapp.core.scheduling import queue_names
from ocrapp.core.tokens import create_user
from tests.documents import text_pdf
from tests.images import text_image
from tests.stack import Stack, recreate_database

# Another benchmark at the same time needs a database of its own.
DATABASE = os.environ.get("BENCH_INTAKE_DATABASE", "ocrapp_bench_intake")
MEASURES = ("reads", "uploads")


def make_users(config: dict, count: int) -> list[str]:
    """Create `count` users in the stack's database; return a token for each."""
    app = create_app(config)
    with app.app_context(), db.session() as session:
        return [create_user(session, f"client-{n}@example.com")[1] for n in range(count)]


def timed_requests(send, tokens: list[str], per_client: int) -> tuple[float, list[float]]:
    """Run `send(session, token, n)` per_client times from each token's own client.

    Return the wall-clock seconds of the whole run and each request's seconds. The clients
    are aiohttp's, on one event loop: they share two cores with the web processes they
    measure, and a thread per client with `requests` cost three times the CPU.
    """

    async def client(token: str) -> list[float]:
        seconds = []
        connector = aiohttp.TCPConnector(limit=1)  # one keep-alive connection per client
        async with aiohttp.ClientSession(connector=connector) as session:
            for n in range(per_client):
                start = time.perf_counter()
                async with send(session, token, n) as response:
                    body = await response.read()
                seconds.append(time.perf_counter() - start)
                if response.status >= 300:
                    raise RuntimeError(f"{response.status}: {body[:300]!r}")
        return seconds

    async def clients() -> list[list[float]]:
        return await asyncio.gather(*(client(token) for token in tokens))

    start = time.perf_counter()
    per_client_seconds = asyncio.run(clients())
    return time.perf_counter() - start, [s for seconds in per_client_seconds for s in seconds]


def uploader(url: str, image: bytes):
    """Return a `send` that uploads `image` as a new task."""

    def send(session: aiohttp.ClientSession, token: str, n: int):
        form = aiohttp.FormData()
        form.add_field("file", image, filename=f"scan-{n}.png")
        headers = {"Authorization": f"Bearer {token}"}
        return session.post(f"{url}/api/tasks", data=form, headers=headers)

    return send


def lister(url: str):
    """Return a `send` that reads the caller's newest task: an authenticated read."""

    def send(session: aiohttp.ClientSession, token: str, n: int):
        headers = {"Authorization": f"Bearer {token}"}
        return session.get(f"{url}/api/tasks?perPage=1", headers=headers)

    return send


def rate(stack: Stack, send, tokens: list[str], per_client: int) -> dict:
    """Requests per second, latency percentiles in milliseconds, and the web processes' CPU
    per request: the figure that other load on the machine changes least."""
    workers = gunicorn_workers(stack.processes[0].popen.pid)
    cpu = sum(map(cpu_seconds, workers))
    total, latencies = timed_requests(send, tokens, per_client)
    cpu = sum(map(cpu_seconds, workers)) - cpu
    milliseconds = [seconds * 1000 for seconds in latencies]
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / total, 1),
        "p50_ms": percentile(milliseconds, 50),
        "p99_ms": percentile(milliseconds, 99),
        "web_cpu_ms": round(cpu * 1000 / len(latencies), 2),
    }


def measure(clients: int, per_client: int, measures=MEASURES) -> dict:
    """Start a web process on PostgreSQL and a folder, and time reads and uploads."""
    namespace = f"ocrapp-intake-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="ocrapp-intake-") as folder:
        env = {
            "DATABASE_URL": recreate_database(POSTGRES_URL, DATABASE),
            "REDIS_URL": REDIS_URL,
            "STORAGE_URL": (Path(folder) / "storage").as_uri(),
            "EVENT_NAMESPACE": namespace,
            "OCR_QUEUE": namespace,  # no worker: the tasks stay queued
            "WEB_CONCURRENCY": "2",
            # The default RATE_LIMIT stays on, as in production: its counters are part of
            # every request's cost (each client sends at most 90 requests here).
            "MAX_TASKS_IN_FLIGHT": "1000000",
        }
        stack = Stack(env, Path(folder))
        try:
            stack.start(names=("web",))
            tokens = make_users(env, clients)
            image = text_image(["a small scan of a few words"])
            results = {"image_bytes": len(image)}
            if "reads" in measures:
                results["reads"] = rate(stack, lister(stack.url), tokens, per_client)
            if "uploads" in measures:
                upload = uploader(stack.url, image)
                results["one_client"] = rate(stack, upload, tokens[:1], 50)
                results["uploads"] = rate(stack, upload, tokens, per_client)
                results["recorded"] = recorded(env, namespace)
        except BaseException:
            for log in Path(folder).glob("*.log"):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}", file=sys.stderr)
            raise
        finally:
            stack.stop()
    if measures != MEASURES:
        return results
    results["upload_to_read"] = round(
        results["uploads"]["per_second"] / results["reads"]["per_second"], 2
    )
    pdf = text_pdf([["a page of a few words"]] * 3)
    results["inspection"] = inspection_cost({"png": image, "pdf": pdf})
    return results


def inspection_cost(files: dict[str, bytes], runs: int = 200) -> dict:
    """Milliseconds to read each file's header and pages: in this process, as the web
    process did before inspector processes, and in an inspector process, as it does now.
    """
    config = Settings().flask_config()
    start = time.perf_counter()
    inspect_upload_bytes(files["png"], config)  # starts the inspector process
    results = {"start_ms": round((time.perf_counter() - start) * 1000, 1)}
    ways = {
        "here": lambda data: inspect_bytes(data, config["MAX_PAGE_PIXELS"], config["MAX_PAGES"]),
        "inspector": lambda data: inspect_upload_bytes(data, config),
    }
    for name, data in files.items():
        results[name] = {"bytes": len(data)}
        for way, inspect in ways.items():
            start = time.perf_counter()
            for _ in range(runs):
                inspect(data)
            results[name][way] = round((time.perf_counter() - start) * 1000 / runs, 2)
    return results


def recorded(env: dict, namespace: str) -> dict:
    """Count the tasks in the database and the messages waiting in the broker."""
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": REDIS_URL})
    with app.app_context(), db.session() as session:
        tasks = session.scalar(select(func.count()).select_from(Task))
    broker, queues = redis.Redis.from_url(REDIS_URL), queue_names({"OCR_QUEUE": namespace})
    messages = sum(broker.llen(name) for name in queues)
    broker.delete(*queues)
    return {"tasks": tasks, "messages": messages}


def report(results: dict, clients: int) -> str:
    """Format the results as a markdown table."""
    lines = [
        f"Uploads of a {results['image_bytes']}-byte PNG, one web process pair "
        f"(WEB_CONCURRENCY=2), PostgreSQL, a local folder, Redis; {os.cpu_count()} CPUs.",
        "",
        "| Measure | requests/s | p50 | p99 | web CPU per request |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows = [
        (f"(a) GET /api/tasks, {clients} clients", "reads"),
        ("(b) uploads, 1 client", "one_client"),
        (f"(c) uploads, {clients} clients", "uploads"),
    ]
    for name, key in rows:
        if key not in results:
            continue
        row = results[key]
        lines.append(
            f"| {name} | {row['per_second']:.1f} "
            f"| {row['p50_ms']:.1f} ms | {row['p99_ms']:.1f} ms | {row['web_cpu_ms']:.2f} ms |"
        )
    if "inspection" not in results:
        return "\n".join(lines)
    recorded_tasks = results["recorded"]
    lines += [
        "",
        f"Uploads / reads at {clients} clients: {results['upload_to_read']:.2f}. "
        f"Recorded: {recorded_tasks['tasks']} tasks, {recorded_tasks['messages']} messages "
        f"waiting in the broker (every upload of (b) and (c)).",
        "",
        "Reading an upload's header and pages, ms per upload (before: in the web process;",
        "now: in an inspector process, the file sent over a pipe and the answer read back):",
        "",
        "| File | bytes | in the web process | in an inspector process | cost of the process |",
        "| --- | --- | --- | --- | --- |",
    ]
    inspection = results["inspection"]
    for name in ("png", "pdf"):
        row = inspection[name]
        lines.append(
            f"| {name.upper()} | {row['bytes']} | {row['here']:.2f} ms | {row['inspector']:.2f} ms "
            f"| {row['inspector'] - row['here']:+.2f} ms |"
        )
    lines += ["", f"An inspector process starts in {inspection['start_ms']:.0f} ms, once."]
    return "\n".join(lines)


def main() -> None:
    """Run the measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--per-client", type=int, default=20, help="requests each (20)")
    parser.add_argument(
        "--only", choices=MEASURES, help="measure reads or uploads alone (default: both)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    results = measure(args.clients, args.per_client, (args.only,) if args.only else MEASURES)
    print(report(results, args.clients))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    expected = 50 + args.clients * args.per_client
    if "recorded" in results and results["recorded"] != {"tasks": expected, "messages": expected}:
        sys.exit(f"uploads lost: expected {expected} tasks and messages")


if __name__ == "__main__":
    main()
