"""One HTTP POST of a webhook, to an address checked just before, never following redirects."""

import time
from dataclasses import dataclass

import urllib3

from ocrapp.core.errors import WebhookUrlRefused
from ocrapp.webhooks.addresses import Target, checked_target

# What is read of a receiver's answer: its status is what counts.
MAX_ANSWER_BYTES = 1024
# Errors that leave the request unsent: the next address of the host may be tried.
CONNECT_ERRORS = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)


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


def connection_pool(target: Target, address: str, config) -> urllib3.HTTPConnectionPool:
    """A pool to a checked address; TLS checks the certificate against the URL's host."""
    timeout = urllib3.Timeout(
        connect=config["WEBHOOK_CONNECT_TIMEOUT"], total=config["WEBHOOK_TIMEOUT"]
    )
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            **options,
        )
    return urllib3.HTTPConnectionPool(address, target.port, **options)


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
    error: Exception | None = None
    for address in target.addresses:  # the next only when this one cannot be reached
        try:
            status, retry_after = send(
                connection_pool(target, address, config), target, headers, body
            )
        except CONNECT_ERRORS as unreachable:
            error = unreachable
            continue
        except urllib3.exceptions.HTTPError as failure:
            error = failure
            break
        return outcome(status, retry_after=retry_after)
    return outcome(None, f"{type(error).__name__}: {error}")


def send(pool: urllib3.HTTPConnectionPool, target: Target, headers: dict, body: str):
    """POST once through `pool`; return the answer's status and its `Retry-After`."""
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body.encode(),
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
        )
        response.read(MAX_ANSWER_BYTES)
        response.release_conn()
        return response.status, response.headers.get("Retry-After")
    finally:
        pool.close()
