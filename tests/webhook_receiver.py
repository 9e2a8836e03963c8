"""A real HTTP receiver of webhooks on 127.0.0.1, in a thread, that records what it gets."""

import threading
import time
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


@dataclass
class Received:
    """One request as it came: its headers (lower-case names), body and answer, and its
    path (percent-escapes decoded, as UTF-8) and query (as sent)."""

    headers: dict[str, str]
    body: bytes
    status: int
    path: str = ""
    query: str = ""


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Receiver:
    """Answer each request with the next of `answers` (status, headers), then 200.

    `hang`: never answer (until stopped), as a receiver that is down but accepts connections.
    """

    def __init__(self, answers=(), hang: bool = False) -> None:
        self.answers = list(answers)
        self.hang = hang
        self.received: list[Received] = []
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.server = make_server(
            "127.0.0.1", 0, self.app, server_class=ThreadingServer, handler_class=QuietHandler
        )
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        if self.hang:
            self.stopping.wait(120)
        with self.changed:
            status, extra = self.answers.pop(0) if self.answers else (200, {})
            path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace")
            query = environ.get("QUERY_STRING", "")
            self.received.append(Received(headers, body, status, path, query))
            self.changed.notify_all()
        start_response(f"{status} Answer", list(extra.items()))
        return [b"ok"]

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Wait until `count` requests came; return them all."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.received)} of {count} requests came")
                self.changed.wait(left)
            return list(self.received)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
