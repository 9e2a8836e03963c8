"""A web process of its own: how sockets authenticate, and how they are closed."""

import base64
import json
import os
import signal
import socket

import pytest
import websocket

from tests.conftest import Socket
from tests.helpers import close_frame
from tests.stack import Stack


@pytest.fixture
def web(tmp_path, redis_server):
    """A web process on the embedded defaults, pinging every second."""
    stack = Stack.embedded(
        tmp_path / "instance",
        {
            "REDIS_URL": f"{redis_server}/14",
            "EVENT_NAMESPACE": f"sockets-{os.getpid()}",
            "WS_PING_INTERVAL": "1",
            "WS_AUTH_TIMEOUT": "1",
            "WS_TOKEN_RECHECK": "1",
        },
        tmp_path,
    )
    stack.start(names=("web",))
    stack.token = stack.cli("users", "create", "sockets@example.com").splitlines()[-1]
    yield stack
    stack.stop()


def close_code(ws) -> int:
    """Read to the server's close frame and return its code."""
    return close_frame(ws)[0]


def test_sigterm_closes_open_sockets_with_going_away(web):
    ws = Socket(web.url, web.token).ws
    assert '"connected"' in ws.recv()
    os.kill(web.processes[0].popen.pid, signal.SIGTERM)
    assert close_code(ws) == 1001
    web.processes[0].popen.wait(timeout=20)  # and the process stops without waiting for them


def test_a_peer_that_never_answers_pings_is_closed(web):
    key = base64.b64encode(os.urandom(16)).decode()
    host, port = web.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as peer:
        peer.sendall(
            (
                f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {web.token}\r\n\r\n"
            ).encode()
        )
        received = b""
        while chunk := peer.recv(4096):  # never answering: the server must end it
            received += chunk
    assert received.startswith(b"HTTP/1.1 101")
    assert b"\x89" in received  # a ping
    assert b"\x88" in received  # then a close frame, before the server hung up


def test_a_client_frame_over_the_limit_closes_the_socket(web):
    ws = Socket(web.url, web.token).ws
    assert '"connected"' in ws.recv()
    ws.send("x" * 10_000)
    # The server ends the connection: a close frame (1009, too big) or a reset.
    try:
        code = close_code(ws)
    except (ConnectionResetError, websocket.WebSocketConnectionClosedException):
        return
    assert code == 1009


def test_a_client_message_once_authenticated_closes_the_socket_with_1008(web):
    ws = Socket(web.url, web.token).ws
    assert '"connected"' in ws.recv()
    ws.send("x" * 4000)  # read, not left to pile up: and not expected, so closed
    assert close_code(ws) == 1008


def anonymous_socket(stack) -> websocket.WebSocket:
    """Open a socket that sends no token with its handshake."""
    return websocket.create_connection(stack.url.replace("http", "ws", 1) + "/ws", timeout=10)


def test_the_token_may_come_as_the_first_message_and_a_user_id_sent_along_is_ignored(web):
    header_socket = Socket(web.url, web.token).ws
    user_id = json.loads(header_socket.recv())["data"]["userId"]
    ws = anonymous_socket(web)
    ws.send(json.dumps({"type": "auth", "token": web.token, "userId": user_id + 1}))
    connected = json.loads(ws.recv())
    assert connected["type"] == "connected" and connected["data"]["userId"] == user_id


@pytest.mark.parametrize(
    "first", [None, "not json", '["a list"]', '{"type": "auth", "token": "ocr_made_up"}']
)
def test_a_socket_without_a_valid_token_in_its_first_message_is_closed_with_1008(web, first):
    ws = anonymous_socket(web)
    if first is not None:
        ws.send(first)
    assert close_code(ws) == 1008


def test_an_open_socket_is_closed_once_its_token_is_revoked(web):
    ws = Socket(web.url, web.token).ws
    assert '"connected"' in ws.recv()
    web.cli("tokens", "revoke", web.token[:12])
    assert close_code(ws) == 1008
