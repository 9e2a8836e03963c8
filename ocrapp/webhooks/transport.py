"""One HTTP POST of a webhook, to the address checked just before, never following redirects."""

import time
from dataclasses import dataclass

import urllib3

from ocrapp.core.errors import WebhookUrlRefused
from ocrapp.webhooks.addresses import Target, checked_target

# What is read of a receiver's answer: its status is what counts.
MAX_ANSWER_BYTES = 1024


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


def connection_pool(target: Target, config) -> urllib3.HTTPConnectionPool:
    """A pool to the checked address; TLS checks the certificate against the URL's host."""
    timeout = urllib3.Timeout(
        connect=config["WEBHOOK_CONNECT_TIMEOUT"], total=config["WEBHOOK_TIMEOUT"]
    )
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            **options,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, **options)


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
    pool = connection_pool(target, config)
    headers = headers | {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "ocrapp-webhooks",
    }
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
    except urllib3.exceptions.HTTPError as error:
        return outcome(None, f"{type(error).__name__}: {error}")
    finally:
        pool.close()
    return outcome(response.status, retry_after=response.headers.get("Retry-After"))
