"""Every attack of one client at once, against one gevent web process, while a user works.

For `HOSTILE_SECONDS` (30) one attacker uploads files that are slow to inspect, floods
`/ws` with sockets, talks on its sockets, leaves anonymous sockets waiting, invents HTTP
methods and sends JSON nested too deeply. Meanwhile a normal user uploads a page and
follows it: the task completes, the socket receives every update of it, and the web
process's resident memory grows by less than `MEMORY_BOUND_MB`.
"""

import contextlib
import json
import os
import threading
import time

import pytest
import requests
import websocket

from tests.conftest import Socket
from tests.helpers import auth, create_user, fetch, upload, wait_for_engines
from tests.images import text_image
from tests.stack import Stack
from tests.uploads import chained_tiff, empty_chunks_png

HOSTILE_SECONDS = float(os.environ.get("HOSTILE_SECONDS", 30))
MEMORY_BOUND_MB = 100


@pytest.fixture
def stack(tmp_path, redis_server):
    """One gevent web process and one Tesseract worker, on the embedded defaults."""
    stack = Stack.embedded(
        tmp_path / "instance",
        {
            "REDIS_URL": f"{redis_server}/14",
            "EVENT_NAMESPACE": f"hostile-{os.getpid()}",
            "OCR_QUEUE": f"hostile-{os.getpid()}",
            "OCR_ENGINE": "tesseract",
            "WEB_CONCURRENCY": "1",
            "WEB_WORKER_CLASS": "gevent",
            "INSPECT_TIMEOUT": "4",
        },
        tmp_path,
    )
    yield stack.start()
    stack.stop()


def web_worker_rss_mb(stack: Stack) -> float:
    """Resident memory of the gunicorn worker (the master's child serving requests), in MB."""
    master = stack.process("web").popen.pid
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status)
        except OSError:
            continue
        if int(fields["PPid"]) == master and "gunicorn" in fields["Name"] + read_cmdline(entry):
            return int(fields["VmRSS"].split()[0]) / 1024
    raise AssertionError("no gunicorn worker found")


def read_cmdline(pid: str) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return cmdline.read().decode(errors="replace")


class Attacker:
    """One client's attacks, each in a thread of its own, until `deadline`."""

    def __init__(self, stack: Stack, token: str, deadline: float) -> None:
        self.url, self.token, self.deadline = stack.url, token, deadline
        self.ws_url = stack.url.replace("http", "ws", 1) + "/ws"
        self.threads = [
            threading.Thread(target=self.repeat, args=(attack,), daemon=True)
            for attack in (
                self.slow_uploads,
                self.slow_uploads,
                self.socket_flood,
                self.chatty_socket,
                self.anonymous_sockets,
                self.junk_requests,
            )
        ]
        self.rounds = dict.fromkeys(["slow_uploads", "socket_flood", "chatty", "anon", "junk"], 0)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)

    def repeat(self, attack) -> None:
        refused = (OSError, websocket.WebSocketException, requests.RequestException)
        while time.monotonic() < self.deadline:
            with contextlib.suppress(*refused):  # the server closed or refused: go again
                attack()

    def slow_uploads(self) -> None:
        for name, data in (("chunks.png", empty_chunks_png(1_000_000)), ("ifd.tiff", TIFF)):
            requests.post(
                f"{self.url}/api/tasks",
                headers=auth(self.token),
                files={"file": (name, data)},
                timeout=60,
            )
        self.rounds["slow_uploads"] += 1

    def socket_flood(self) -> None:
        sockets = []
        try:
            for _ in range(40):  # twice WS_MAX_PER_USER
                sockets.append(
                    websocket.create_connection(
                        self.ws_url, header=[f"Authorization: Bearer {self.token}"], timeout=5
                    )
                )
        finally:
            for socket in sockets:
                socket.close()
        self.rounds["socket_flood"] += 1

    def chatty_socket(self) -> None:
        socket = websocket.create_connection(
            self.ws_url, header=[f"Authorization: Bearer {self.token}"], timeout=5
        )
        try:
            for _ in range(200):
                socket.send("x" * 4000)
        finally:
            socket.close()
            self.rounds["chatty"] += 1

    def anonymous_sockets(self) -> None:
        sockets = []
        try:  # closed however far it got: a refused connection left the others open
            for _ in range(10):
                sockets.append(websocket.create_connection(self.ws_url, timeout=5))
            for socket in sockets:
                socket.settimeout(5)
                with contextlib.suppress(OSError, websocket.WebSocketException):
                    while socket.recv():  # until the server gives up waiting for a token
                        pass
        finally:
            for socket in sockets:
                socket.close()
        self.rounds["anon"] += 1

    def junk_requests(self) -> None:
        for number in range(20):
            requests.request(f"X{number:05}", f"{self.url}/healthz", timeout=5)
        requests.post(
            f"{self.url}/api/tokens",
            headers=auth(self.token) | {"Content-Type": "application/json"},
            data="[" * 100_000,
            timeout=10,
        )
        requests.get(f"{self.ws_url.replace('ws', 'http', 1)}?since=" + "9" * 20, timeout=5)
        self.rounds["junk"] += 1


TIFF = chained_tiff(16_000)


def follow(stack: Stack, socket: Socket, token: str, text: str) -> tuple[list, list, list]:
    """Upload a page and follow it to its end: its updates, their seqs, its kept events."""
    task = upload(stack, token, text_image([text]), "mine.png")
    updates, received = [], []
    while not updates or updates[-1]["status"] not in ("completed", "failed"):
        message = socket.receive(timeout=120)
        if message["type"] == "task_update" and message["data"]["taskId"] == task["taskId"]:
            updates.append(message["data"])
            received.append(message.get("seq"))
    events = fetch(stack, token, f"/api/tasks/{task['taskId']}/events").json()["events"]
    return updates, received, events


def test_one_attacker_cannot_stall_a_web_process_for_a_normal_user(stack):
    attacker_token, user_token = create_user(stack), create_user(stack)
    wait_for_engines(stack, user_token, {"tesseract"})
    fetch(stack, user_token, "/api/tasks")  # the worker of the web process is warm
    baseline = web_worker_rss_mb(stack)
    peak, sampling = [baseline], threading.Event()

    def sample() -> None:
        while not sampling.wait(0.25):
            peak.append(web_worker_rss_mb(stack))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    deadline = time.monotonic() + HOSTILE_SECONDS
    attacker = Attacker(stack, attacker_token, deadline)
    attacker.start()

    socket = Socket(stack.url, user_token)
    finished = []
    while time.monotonic() < deadline or not finished:  # one page after another meanwhile
        finished.append(follow(stack, socket, user_token, f"page {len(finished) + 1}"))
    attacker.join()
    sampling.set()
    sampler.join()

    for updates, received, events in finished:
        assert updates[-1]["status"] == "completed", updates[-1]
        assert received == [event["seq"] for event in events]  # every update, in order, once
    assert requests.get(f"{stack.url}/healthz", timeout=5).status_code == 200
    assert all(attacker.rounds.values()), attacker.rounds  # every attack ran
    assert max(peak) - baseline < MEMORY_BOUND_MB, (baseline, max(peak))
    print(
        json.dumps(
            {"tasks": len(finished), "rounds": attacker.rounds, "rss_mb": [baseline, max(peak)]}
        )
    )
