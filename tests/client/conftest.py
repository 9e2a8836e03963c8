"""A file to submit, a client of the app served in this process, and a flaky proxy to it."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ocrapp.client import Client
from tests.images import text_image


@pytest.fixture
def image(tmp_path):
    """A small PNG with a line of text."""
    path = tmp_path / "letter.png"
    path.write_bytes(text_image(["a letter"]))
    return path


@pytest.fixture
def api_client(server, make_user):
    """A Client of the app served in this process, as a new user."""
    _, token = make_user()
    with Client(server, token, timeout=10) as client:
        yield client


# Not passed on: a WebSocket handshake (Connection: Upgrade) reaches the app as a plain GET.
HOP_BY_HOP = {"host", "content-length", "connection", "upgrade", "transfer-encoding", "keep-alive"}


class FlakyHandler(BaseHTTPRequestHandler):
    """Answer each request as the server's `plan` says: forward it to the app, refuse it
    with a status and a Retry-After, or forward it and then lose the app's answer."""

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def do_DELETE(self) -> None:
        self.answer()

    def answer(self) -> None:
        proxy = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with proxy.lock:
            proxy.seen.append((self.command, self.path, self.headers.get("Idempotency-Key")))
            proxy.arrivals.append(time.monotonic())
            step = proxy.plan.pop(0) if proxy.plan else "forward"
        if step in ("forward", "lose"):
            upstream = requests.request(
                self.command,
                proxy.upstream + self.path,
                data=body,
                headers={k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP},
                timeout=90,  # long polls too
            )
        if step == "forward":
            self.reply(upstream.status_code, upstream.content, upstream.headers)
        else:
            status, retry_after = (503, "1") if step == "lose" else step
            error = b'{"error": {"code": "unavailable", "message": "Try again."}}'
            self.reply(status, error, {"Retry-After": retry_after})

    def reply(self, status: int, body: bytes, headers) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in HOP_BY_HOP | {"server", "date"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def flaky(server):
    """A proxy to the app served in this process, answering as its `plan` says."""
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    proxy.upstream, proxy.plan, proxy.seen, proxy.arrivals = server, [], [], []
    proxy.lock = threading.Lock()
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{proxy.server_port}"
    yield proxy
    proxy.shutdown()
    proxy.server_close()
