"""When a failed delivery is tried again: exponential backoff with jitter, or Retry-After."""

import random
from datetime import datetime
from email.utils import parsedate_to_datetime


def should_retry(status_code: int | None) -> bool:
    """Whether a failure may pass: network errors (no status), 5xx and 429, not other 4xx."""
    return status_code is None or status_code >= 500 or status_code == 429


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds before the try after `attempt` (from 1): base, doubled each time, at most cap.

    Jitter takes each wait at random between half and all of it, so that the deliveries
    of a receiver that was down do not all come back at the same moment.
    """
    delay = min(cap, base * 2 ** min(attempt - 1, 62))
    return random.uniform(delay / 2, delay)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Read a `Retry-After` header, in seconds or as an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - now).total_seconds())


def next_delay(attempt: int, retry_after: float | None, base: float, cap: float) -> float:
    """Seconds before the next try: the backoff, or longer when the receiver asked so, up to
    `cap` (an endpoint that fails is tried at least that often, which disabling counts on)."""
    delay = backoff(attempt, base, cap)
    return min(max(delay, retry_after), cap) if retry_after is not None else delay
