"""A web process answers its requests and sockets while an upload of its is inspected."""

import os
import threading
import time

import pytest
import requests
import websocket

from tests.conftest import Socket
from tests.helpers import auth, create_user, upload
from tests.images import text_image
from tests.stack import Stack
from tests.uploads import empty_chunks_png

LATENCY_LIMIT = 0.1


@pytest.fixture
def web(tmp_path, redis_server):
    """One gevent web process (no worker) whose inspections get 2 s (the slow file needs ~4)."""
    stack = Stack.embedded(
        tmp_path / "instance",
        {
            "REDIS_URL": f"{redis_server}/14",
            "EVENT_NAMESPACE": f"inspection-{os.getpid()}",
            "WEB_CONCURRENCY": "1",
            "WEB_WORKER_CLASS": "gevent",
            "INSPECT_TIMEOUT": "2",
        },
        tmp_path,
    )
    yield stack.start(names=("web",))
    stack.stop()


def inspector_cpu_seconds(master_pid: int) -> float:
    """CPU seconds used so far by the inspector processes of the gunicorn `master_pid`."""
    processes = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmd:
                fields, cmdline = stat.read().rsplit(")", 1)[1].split(), cmd.read()
        except OSError:
            continue
        processes[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), cmdline)
    workers = {pid for pid, (parent, _, _) in processes.items() if parent == master_pid}
    ticks = sum(
        cpu
        for parent, cpu, cmdline in processes.values()
        if parent in workers and b"ocrapp.core.inspector" in cmdline
    )
    return ticks / os.sysconf("SC_CLK_TCK")


def healthz_seconds(session: requests.Session, url: str) -> float:
    """Seconds `GET /healthz` takes to answer."""
    start = time.perf_counter()
    assert session.get(f"{url}/healthz", timeout=10).status_code == 200
    return time.perf_counter() - start


def pong_seconds(ws: websocket.WebSocket) -> float:
    """Seconds the server takes to answer a ping on an open socket with its pong."""
    start = time.perf_counter()
    ws.ping(b"are you there")
    while ws.recv_frame().opcode != websocket.ABNF.OPCODE_PONG:
        pass  # the messages it sent on connecting
    return time.perf_counter() - start


def test_requests_and_sockets_are_answered_while_an_upload_is_inspected(web):
    token = create_user(web)
    socket, session = Socket(web.url, token), requests.Session()
    upload(web, token, text_image(["first"]), "first.png")  # starts an inspector process
    master = web.processes[0].popen.pid
    idle = inspector_cpu_seconds(master)
    answer = {}

    def send_slow_file() -> None:
        answer["response"] = requests.post(
            f"{web.url}/api/tasks",
            headers=auth(token),
            files={"file": ("slow.png", empty_chunks_png(1_000_000))},  # 6 s to read
            timeout=60,
        )

    sender = threading.Thread(target=send_slow_file)
    sender.start()
    deadline = time.monotonic() + 3  # the file's inspection has begun, or must have
    while inspector_cpu_seconds(master) < idle + 0.2 and time.monotonic() < deadline:
        time.sleep(0.05)
    began = inspector_cpu_seconds(master) >= idle + 0.2
    latencies = []
    for _ in range(8):
        latencies += [healthz_seconds(session, web.url), pong_seconds(socket.ws)]
        time.sleep(0.1)
    still_inspecting = sender.is_alive()
    sender.join(30)
    socket.close()

    assert max(latencies) < LATENCY_LIMIT, [round(seconds, 3) for seconds in latencies]
    # Every answer above came while the inspector was reading the file: it had begun, and
    # the upload was answered once its time was up.
    assert began and still_inspecting
    response = answer["response"]
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "inspection_timeout"
