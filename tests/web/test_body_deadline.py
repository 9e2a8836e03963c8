"""A request's body that does not arrive in time is answered 408, on gunicorn's gevent and
gthread workers alike: a client cannot hold a connection by sending half a body."""

import json
import socket
import uuid

import pytest

from tests.helpers import create_user
from tests.stack import Stack

BODY_TIMEOUT = 1


@pytest.fixture(scope="module", params=["gevent", "gthread"])
def web(request, tmp_path_factory, redis_server):
    """A web process whose requests' bodies may take `BODY_TIMEOUT` seconds."""
    folder = tmp_path_factory.mktemp(f"body-{request.param}")
    env = {
        "REDIS_URL": f"{redis_server}/14",
        "EVENT_NAMESPACE": f"body-{uuid.uuid4().hex[:8]}",
        "WEB_WORKER_CLASS": request.param,
        "REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT),
    }
    stack = Stack.embedded(folder / "instance", env, folder)
    with stack.running(names=("web",)):
        yield stack


def half_sent(stack: Stack, head: str, body: bytes) -> bytes:
    """Send a request's head and the start of its body, then nothing; return all that the
    server sent before it closed the connection."""
    connection = socket.create_connection(("127.0.0.1", stack.port))
    connection.sendall(head.encode() + body)
    connection.settimeout(30)  # far past the deadline: a server that waits fails here
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    connection.close()
    return answer


def test_an_upload_whose_body_stops_half_way_is_answered_408_and_closed(web):
    token = create_user(web)
    head = (
        f"POST /api/tasks HTTP/1.1\r\nHost: ocrapp\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n"
    )
    part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'

    answer = half_sent(web, head, part)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 408")
    error = json.loads(rest.partition(b"\r\n\r\n")[2])["error"]
    assert error["code"] == "request_timeout"


def test_a_json_body_that_never_comes_is_answered_408(web):
    token = create_user(web)
    head = (
        f"POST /api/tokens HTTP/1.1\r\nHost: ocrapp\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
    )

    answer = half_sent(web, head, b'{"name": ')

    assert answer.startswith(b"HTTP/1.1 408")
