"""A client that stops reading is disconnected after `WS_SEND_TIMEOUT`, on a gevent process."""

import json
import socket
import uuid

import pytest
import requests
import websocket
from prometheus_client.parser import text_string_to_metric_families

from ocrapp.realtime.events import publish_task_update
from tests.helpers import create_user
from tests.stack import Stack, wait_for

SEND_TIMEOUT = 1
MESSAGE = "a long progress message " * 680  # 16 KiB, a page's worth of text
# 6 MB of 4 KiB frames: more than the server's send buffer takes (4 MB at most).
UPDATES_PAST_THE_BUFFERS = 1500


@pytest.fixture
def web(tmp_path, redis_server):
    """One gevent web process whose writes to a socket may wait `SEND_TIMEOUT` seconds."""
    yield from gevent_web(tmp_path, redis_server, SEND_TIMEOUT)


@pytest.fixture
def patient_web(tmp_path, redis_server):
    """One gevent web process that waits for a slow client as long as by default (30 s)."""
    yield from gevent_web(tmp_path, redis_server, 30)


def gevent_web(tmp_path, redis_server, send_timeout: float):
    """Run one gevent web process whose writes to a socket wait `send_timeout` at most."""
    env = {
        "REDIS_URL": f"{redis_server}/14",
        "EVENT_NAMESPACE": f"slow-{uuid.uuid4().hex[:8]}",
        "WEB_WORKER_CLASS": "gevent",
        "WS_SEND_TIMEOUT": str(send_timeout),
    }
    stack = Stack.embedded(tmp_path / "instance", env, tmp_path)
    with stack.running(names=("web",)):
        yield stack


def open_sockets(stack: Stack) -> float:
    """The web process's `ocrapp_websockets_open`."""
    text = requests.get(f"{stack.url}/metrics", timeout=10).text
    families = text_string_to_metric_families(text)
    (family,) = (family for family in families if family.name == "ocrapp_websockets_open")
    return sum(sample.value for sample in family.samples)


def small_buffered_socket(web: Stack) -> tuple[websocket.WebSocket, int, dict]:
    """A new user's socket with a 4 KiB receive buffer, read to its `connected`; its user
    id, and the config that publishes to it."""
    ws = websocket.create_connection(
        web.url.replace("http", "ws", 1) + "/ws",
        header=[f"Authorization: Bearer {create_user(web)}"],
        sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),),
        timeout=10,
    )
    user_id = json.loads(ws.recv())["data"]["userId"]
    config = {"REDIS_URL": web.env["REDIS_URL"], "EVENT_NAMESPACE": web.env["EVENT_NAMESPACE"]}
    return ws, user_id, config


def test_a_client_that_stops_reading_is_disconnected_not_waited_on(web):
    stalled, user_id, config = small_buffered_socket(web)  # then it reads nothing more
    assert open_sockets(web) == 1
    data = {"taskId": str(uuid.uuid4()), "status": "processing", "message": MESSAGE}
    for progress in range(500):  # 8 MB: more than both sockets' buffers hold (4 MB at most)
        publish_task_update(config | {"UPDATE_HISTORY": 10}, user_id, data | {"progress": progress})

    wait_for(lambda: open_sockets(web) == 0, timeout=30, what="the stalled socket closed")

    received = read_until_closed(stalled)
    assert 0 < received < 500 * len(MESSAGE)  # it had part, then the connection ended


def test_a_client_that_reads_late_gets_every_update_whole_and_in_order(patient_web):
    # Its buffers fill: the hub's writes go out in part or not at all, and the socket's
    # greenlet must finish each frame before anything else, then write what was queued.
    web = patient_web
    slow, user_id, config = small_buffered_socket(web)
    message = MESSAGE[:3700]  # a frame under 4 KiB: the hub writes it itself when it can
    data = {"taskId": str(uuid.uuid4()), "status": "processing", "message": message}
    for progress in range(UPDATES_PAST_THE_BUFFERS):
        publish_task_update(config | {"UPDATE_HISTORY": 10}, user_id, data | {"progress": progress})

    received = [json.loads(slow.recv()) for _ in range(UPDATES_PAST_THE_BUFFERS)]

    assert [update["data"]["progress"] for update in received] == list(
        range(UPDATES_PAST_THE_BUFFERS)
    )
    assert all(update["data"]["message"] == message for update in received)
    assert open_sockets(web) == 1


def read_until_closed(ws: websocket.WebSocket) -> int:
    """Read the raw bytes left on `ws` until the server's end; return how many arrived."""
    ws.sock.settimeout(10)
    received = 0
    while chunk := recv_or_reset(ws.sock):
        received += len(chunk)
    return received


def recv_or_reset(sock: socket.socket) -> bytes:
    """The next bytes on `sock`; none once the peer has shut it or reset it."""
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""
