"""Benchmark: the WebSockets one web process holds, and how fast a burst of updates reaches them."""

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import redis

from bench.bench_pipeline import REDIS_URL, percentile
from bench.ws_reader import open_reader
from ocrapp.core.db import db
from ocrapp.core.tokens import create_user
from ocrapp.realtime.events import publish_arguments
from tests.stack import Stack

HANDSHAKES_AT_ONCE = 100
DELIVERY_TIMEOUT = 60
# Long enough to see the cost of sockets that wake up while nothing happens.
IDLE_SECONDS = 5


class Clients:
    """WebSocket clients in this process, recording when each task update arrives."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http", "ws", 1) + "/ws"
        self.sockets, self.failures = [], []
        self.arrivals: list[tuple[str, float]] = []
        # During a burst: the messages counted in held bytes, and how many are expected.
        self.counted, self.expected, self.all_arrived = 0, 0, asyncio.Event()
        self.per_token: Counter[str] = Counter()
        self.compressed = 0  # sockets on which the server accepted permessage-deflate

    async def open(self, tokens: list[str], compression: bool) -> None:
        """Open one socket per token, each read until its `connected` message."""
        gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
        await asyncio.gather(*(self._open(token, compression, gate) for token in tokens))

    async def _open(self, token: str, compression: bool, gate) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with gate:
            try:
                ws, connected = await open_reader(self.url, headers, compression, self._arrived)
                assert connected["type"] == "connected"
            except Exception as error:
                self.failures.append(repr(error))
                return
        self.sockets.append(ws)
        self.per_token[token] += 1
        self.compressed += ws.compressed

    def _arrived(self, message: dict, arrived: float) -> None:
        """Record the arrival of a task update."""
        if message["type"] == "task_update":
            self.arrivals.append((message["data"]["taskId"], arrived))

    def hold(self, expected: int) -> None:
        """Count the next `expected` messages as they arrive, parsing none until `release`:
        parsing each as it came cost the clients twice the CPU, on the server's cores."""
        self.counted, self.expected, self.all_arrived = 0, expected, asyncio.Event()
        for ws in self.sockets:
            ws.hold(self._counted)

    def _counted(self, messages: int) -> None:
        self.counted += messages
        if self.counted >= self.expected:
            self.all_arrived.set()

    def release(self) -> None:
        """Parse what every socket held, recording each update with its arrival time."""
        for ws in self.sockets:
            ws.release()

    async def close(self) -> None:
        """Close every socket."""
        for ws in self.sockets:
            ws.close()


def publish_burst(config: dict, task_ids: dict[str, int], published: dict[str, float]) -> None:
    """Publish one `processing` update per task, as workers do, all in one round trip (a
    burst from many workers at once), noting when they were sent."""
    burst = redis.Redis.from_url(config["REDIS_URL"]).pipeline(transaction=False)
    for task_id, user_id in task_ids.items():
        data = {"taskId": task_id, "status": "processing", "message": "Page 2 of 5"}
        data |= {"progress": 30, "error": None, "page": 2, "pageCount": 5}
        burst.eval(*publish_arguments(config, user_id, data))
    sent = time.monotonic()  # before any reaches Redis: no update's latency is understated
    published.update(dict.fromkeys(task_ids, sent))
    burst.execute()


def make_users(database_url: str, count: int) -> list[tuple[int, str]]:
    """Create `count` users in the web process's database; return their ids and tokens."""
    db.configure(database_url)
    with db.session() as session:
        made = [create_user(session, f"bench-{n}@example.com") for n in range(count)]
        return [(user.id, token) for user, token in made]


def gunicorn_workers(master_pid: int) -> list[int]:
    """Return the pids of the gunicorn worker processes of `master_pid`."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(child) for child in children]


def rss_kib(pid: int) -> int:
    """Return the resident memory of `pid` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """Return the user and system CPU time `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_web(worker_class: str, sockets: int, log_dir: Path) -> Stack:
    """Start one web process on the embedded defaults, able to hold `sockets` sockets."""
    stack = Stack.embedded(
        log_dir / "instance",
        {
            "REDIS_URL": REDIS_URL,
            "EVENT_NAMESPACE": f"ocrapp-bench-sockets-{uuid.uuid4().hex[:8]}",
            "WEB_CONCURRENCY": "1",
            "WEB_WORKER_CLASS": worker_class,
            "WEB_THREADS": str(sockets + 20),
            "WEB_WORKER_CONNECTIONS": str(sockets + 100),
        },
        log_dir,
    )
    return stack.start(names=("web",))


async def deliver_bursts(clients: Clients, config: dict, users, rounds: int, worker: int) -> dict:
    """Publish one update to each of `users` `rounds` times, each once the last one arrived."""
    latencies, expected, spans, server_cpu, bench_cpu = [], 0, [], 0.0, 0.0
    for number in range(rounds):
        task_ids = {f"round-{number}-user-{user_id}": user_id for user_id, _ in users}
        published: dict[str, float] = {}
        start = len(clients.arrivals)
        burst = sum(clients.per_token[token] for _, token in users)
        expected += burst
        clients.hold(burst)
        cpu_before = cpu_seconds(worker), time.process_time()
        await asyncio.to_thread(publish_burst, config, task_ids, published)
        with contextlib.suppress(TimeoutError):  # what did not arrive is reported as missing
            await asyncio.wait_for(clients.all_arrived.wait(), DELIVERY_TIMEOUT)
        server_cpu += cpu_seconds(worker) - cpu_before[0]
        bench_cpu += time.process_time() - cpu_before[1]
        clients.release()
        arrivals = clients.arrivals[start:]
        # Late arrivals of an earlier burst that timed out are not this one's.
        arrivals = [(task, arrived) for task, arrived in arrivals if task in published]
        latencies += [(arrived - published[task]) * 1000 for task, arrived in arrivals]
        spans.append(max(arrived for _, arrived in arrivals) - min(published.values()))
    return {
        "delivered": len(clients.arrivals),
        "expected": expected,
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
        # Where the time goes: the burst's length, and the CPU the two sides used in it.
        "burst_ms": round(statistics.mean(spans) * 1000, 1),
        "web_cpu_ms_per_burst": round(server_cpu / rounds * 1000, 1),
        "bench_cpu_ms_per_burst": round(bench_cpu / rounds * 1000, 1),
    }


async def measure(stack: Stack, sockets: int, users: int, burst: int, rounds: int, compression):
    """Open `sockets` sockets for `users` users, then time bursts of updates to them."""
    instance = Path(stack.env["OCRAPP_INSTANCE_DIR"])
    accounts = await asyncio.to_thread(make_users, f"sqlite:///{instance}/ocrapp.sqlite3", users)
    worker = gunicorn_workers(stack.processes[0].popen.pid)[0]
    warm_up = Clients(stack.url)  # the first socket starts the process's subscription
    await warm_up.open([accounts[0][1]], compression)
    await warm_up.close()
    before = rss_kib(worker)
    clients = Clients(stack.url)
    opened_in = time.monotonic()
    await clients.open([accounts[n % users][1] for n in range(sockets)], compression)
    opened_in = time.monotonic() - opened_in
    after, idle_cpu = rss_kib(worker), cpu_seconds(worker)
    await asyncio.sleep(IDLE_SECONDS)  # sockets open, nothing published: what do they cost?
    idle_cpu = (cpu_seconds(worker) - idle_cpu) / IDLE_SECONDS
    config = {**stack.env, "UPDATE_HISTORY": 1000}
    delivery = await deliver_bursts(clients, config, accounts[:burst], rounds, worker)
    await clients.close()
    return {
        "sockets": sockets,
        "opened": len(clients.sockets),
        "compressed": clients.compressed,
        "failures": clients.failures[:3],
        "users": users,
        "burst": burst,
        "rounds": rounds,
        "open_seconds": round(opened_in, 1),
        "rss_kib_before": before,
        "rss_kib_after": after,
        "kib_per_socket": round((after - before) / max(len(clients.sockets), 1), 1),
        "idle_cpu_percent": round(idle_cpu * 100, 1),
        **delivery,
    }


def run(worker_class: str, sockets: int, users: int, burst: int, rounds: int, compression):
    """Measure one worker class on a web process of its own, printing its log if it fails."""
    with tempfile.TemporaryDirectory(prefix="ocrapp-bench-sockets-") as log_dir:
        stack = start_web(worker_class, sockets, Path(log_dir))
        try:
            results = asyncio.run(measure(stack, sockets, users, burst, rounds, compression))
        except BaseException:
            print(f"--- web.log\n{stack.processes[0].log()[-3000:]}", file=sys.stderr)
            raise
        finally:
            stack.stop()
    return {"worker_class": worker_class, **results}


def report(runs: list[dict]) -> str:
    """Format the results as a markdown table."""
    lines = [
        "| Worker class | sockets held | updates delivered / expected | latency p50 / p99 "
        "| RSS per socket | idle CPU | burst: length, web CPU, bench CPU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        latency = run["latency_ms"]
        lines.append(
            f"| {run['worker_class']}: {run['users']} users, {run['rounds']} bursts "
            f"of {run['burst']} updates "
            f"| {run['opened']} / {run['sockets']} ({run['compressed']} compressed) "
            f"| {run['delivered']} / {run['expected']} "
            f"| {latency['p50']:.1f} ms / {latency['p99']:.1f} ms "
            f"| {run['kib_per_socket']:.1f} KiB | {run['idle_cpu_percent']:.1f} % "
            f"| {run['burst_ms']:.0f} ms, {run['web_cpu_ms_per_burst']:.0f} ms, "
            f"{run['bench_cpu_ms_per_burst']:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=5000, help="sockets (default 5000)")
    parser.add_argument("--users", type=int, default=1000, help="their users (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="bursts (default 5)")
    parser.add_argument(
        "--burst", type=int, help="updates per burst, one per user (default: every user)"
    )
    parser.add_argument(
        "--baseline-sockets",
        type=int,
        default=500,
        help="sockets of the gthread baseline, with as many per user (0: none; default 500)",
    )
    parser.add_argument(
        "--no-compression", action="store_true", help="do not offer permessage-deflate"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the web process stops
    # Every socket is a file descriptor of this process.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    compression = not args.no_compression
    burst = min(args.burst or args.users, args.users)
    runs = [run("gevent", args.sockets, args.users, burst, args.rounds, compression)]
    if args.baseline_sockets:
        users = max(1, args.users * args.baseline_sockets // args.sockets)
        baseline_burst = max(1, burst * args.baseline_sockets // args.sockets)
        runs.append(
            run("gthread", args.baseline_sockets, users, baseline_burst, args.rounds, compression)
        )
    print(report(runs))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
