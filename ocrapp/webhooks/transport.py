"""One HTTP POST of a webhook, to an address checked just before, never following redirects."""

import contextlib
import http.client
import socket
import threading
import time
from dataclasses import dataclass

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util.ssl_match_hostname import CertificateError

from ocrapp.core.errors import WebhookUrlRefused
from ocrapp.webhooks.addresses import Target, checked_target

# What is read of a receiver's answer: its status is what counts.
MAX_ANSWER_BYTES = 1024
# Errors that leave the request unsent: the next address of the host may be tried.
CONNECT_ERRORS = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
# Errors once connected: TLS refused, the connection reset or shut, a timeout, a bad answer,
# a request that http.client will not write (ValueError: a header or path it refuses).
SEND_ERRORS = (
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
    CertificateError,
    ValueError,
)


@dataclass(frozen=True)
class Outcome:
    """What one try gave: the receiver's status (None if none came), how long, what failed."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    retry_after: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether the receiver took it: any 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


def connection(target: Target, address: str, config) -> HTTPConnection:
    """A connection to a checked address; TLS checks the certificate against the URL's host."""
    timeout = config["WEBHOOK_CONNECT_TIMEOUT"]
    if target.scheme == "https":
        return HTTPSConnection(
            address,
            target.port,
            timeout=timeout,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return HTTPConnection(address, target.port, timeout=timeout)


def post(url: str, headers: dict[str, str], body: str, config) -> Outcome:
    """POST `body` as JSON to `url`, checking its address again now (DNS can change)."""
    started = time.monotonic()

    def outcome(status: int | None, error: str | None = None, retry_after=None) -> Outcome:
        duration = round((time.monotonic() - started) * 1000)
        return Outcome(status, duration, error and error[:255], retry_after)

    try:
        target = checked_target(url, config)
    except WebhookUrlRefused as refusal:
        return outcome(None, f"refused: {refusal.message}")
    headers = headers | {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "ocrapp-webhooks",
    }
    deadline = started + config["WEBHOOK_TIMEOUT"]
    error: Exception | None = None
    for address in target.addresses:  # the next only when this one cannot be reached
        try:
            status, retry_after = send(
                connection(target, address, config), target, headers, body, deadline
            )
        except CONNECT_ERRORS as unreachable:
            error = unreachable
            continue
        except SEND_ERRORS as failure:
            error = failure
            break
        return outcome(status, retry_after=retry_after)
    return outcome(None, f"{type(error).__name__}: {error}")


def send(connection: HTTPConnection, target: Target, headers: dict, body: str, deadline: float):
    """POST once; return the answer's status and its `Retry-After`.

    A socket timeout bounds each read, not the whole answer: a receiver that sends a byte
    at a time would hold this thread for ever, so the socket is shut at `deadline`.
    """
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), cut, [connection])
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body.encode(), headers=headers)
        connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
    except SEND_ERRORS as error:
        if time.monotonic() < deadline:
            raise
        # Cut at the deadline, a read sees the connection closed: say what happened.
        raise timed_out() from error
    else:
        if time.monotonic() >= deadline:
            raise timed_out()
        return response.status, response.headers.get("Retry-After")
    finally:
        watchdog.cancel()
        connection.close()


def timed_out() -> TimeoutError:
    """The error of a try that had no whole answer within WEBHOOK_TIMEOUT."""
    return TimeoutError("timed out: no whole answer within WEBHOOK_TIMEOUT")


def cut(connection: HTTPConnection) -> None:
    """Shut the connection's socket, which ends a read blocked on it in another thread."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            # socket.socket's own shutdown: an SSLSocket's would drop its TLS state under
            # the reading thread's feet.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
