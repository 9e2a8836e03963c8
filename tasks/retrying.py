"""Waiting out an outage of a service the worker needs, apart from the runs a task may take.

A task that meets a transient error (`TRANSIENT_ERRORS`) is sent again after 1, 2, 4 ...
up to `OUTAGE_BACKOFF_MAX` seconds, jittered, for as long as `SERVICE_OUTAGE_SECONDS`
allow, counted from the outage's first failure (carried in the message's headers). The
message's `retries`, which bounds the runs after a lost worker (`MAX_ATTEMPTS`), is kept.
"""

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import NoReturn

from celery.exceptions import Reject, Retry

from tasks.errors import TRANSIENT_ERRORS

log = logging.getLogger(__name__)

OUTAGE_SINCE, OUTAGE_WAITS = "ocrapp_outage_since", "ocrapp_outage_waits"
OUTAGE_BACKOFF_MAX = 30


def outage_delay(waits: int, cap: float = OUTAGE_BACKOFF_MAX) -> float:
    """Seconds before try `waits + 1` after an outage: 1, 2, 4 ... up to `cap`, jittered."""
    return min(cap, 2.0**waits) * random.uniform(0.5, 1.0)


def outage_so_far(headers: dict | None, now: float) -> tuple[float, int]:
    """Return when the outage began and how many times the task waited, from `headers`."""
    headers = headers or {}
    return float(headers.get(OUTAGE_SINCE, now)), int(headers.get(OUTAGE_WAITS, 0))


def wait_out_outage(task, error: BaseException) -> NoReturn:
    """Send `task` again later, its `retries` kept; re-raise `error` once the outage has
    lasted `SERVICE_OUTAGE_SECONDS`."""
    request, now = task.request, time.time()
    since, waits = outage_so_far(request.headers, now)
    if request.called_directly or now - since >= outage_budget(task):
        raise error
    delay = outage_delay(waits)
    headers = {**(request.headers or {}), OUTAGE_SINCE: since, OUTAGE_WAITS: waits + 1}
    again = task.signature_from_request(
        request, countdown=delay, headers=headers, retries=request.retries
    )
    log.warning(
        "task %s: %s; trying again in %.1f s (outage for %.0f s)",
        request.id,
        type(error).__name__,
        delay,
        now - since,
    )
    if request.is_eager:
        raise error
    try:
        again.apply_async()
    except Exception as unsent:  # the broker is away too: the reaper sends it again
        raise Reject(unsent, requeue=False) from error
    raise Retry(exc=error, when=delay, sig=again)


def outage_budget(task) -> float:
    """The app's SERVICE_OUTAGE_SECONDS, read when asked (not when the module was loaded)."""
    return task.app.flask_app.config["SERVICE_OUTAGE_SECONDS"]


def waits_out_outages(run: Callable) -> Callable:
    """Make a bound task's body wait out outages (`wait_out_outage`) of the services it uses."""

    @wraps(run)
    def wrapper(task, *args, **kwargs):
        try:
            return run(task, *args, **kwargs)
        except TRANSIENT_ERRORS as error:
            wait_out_outage(task, error)

    return wrapper
