"""Whether a running task or range still has a live worker: the one rule the reaper applies.

While a pool process runs an OCR task or a range, a thread of it (`tasks.heartbeat`) sets
the key `<EVENT_NAMESPACE>:alive:<celery id>` (a range's: `<task_id>:<first>`) every
`heartbeat_seconds`, to expire after three of them. A run started over that long ago whose
key is missing at two reaper passes at least a heartbeat apart has lost its worker: a Redis
that restarted empty loses every key at once, and the threads set them again before the
second pass. A run whose retry a worker holds (after its pool process was killed) is not
lost until that retry was due a heartbeat's life ago. A run taken for lost that still
goes on (its heartbeat stalled) stops at its next checkpoint, writing nothing (`runs`).
"""

import logging
import math
import time
from datetime import datetime, timedelta

import redis

from ocrapp.core.broker import broker_messages, due_at, message_headers
from ocrapp.core.models import as_utc
from ocrapp.core.redis_client import redis_client

log = logging.getLogger(__name__)
# The most seconds between two heartbeats, whatever the reaper's interval.
MOST_SECONDS = 10.0


def heartbeat_seconds(config) -> float:
    """Return the seconds between two heartbeats: no more than one reaper interval."""
    return min(MOST_SECONDS, config["REAPER_INTERVAL"])


def heartbeat_ttl(config) -> int:
    """Return the seconds a heartbeat key lives: three heartbeats."""
    return math.ceil(3 * heartbeat_seconds(config))


def alive_key(config, celery_id: str) -> str:
    """Return the heartbeat key of a run of the Celery task `celery_id`."""
    return f"{config['EVENT_NAMESPACE']}:alive:{celery_id}"


def _unseen_key(key: str) -> str:
    return f"{key}:unseen"


def lost_runs(config, started: dict[str, datetime | None], now: datetime) -> set[str]:
    """Return the Celery ids, of `started` (id: when its run started), of the runs whose
    worker is lost; none while Redis cannot be asked."""
    grace = timedelta(seconds=heartbeat_ttl(config))
    old = [cid for cid, at in started.items() if at is not None and now - as_utc(at) > grace]
    if not old:
        return set()
    try:
        keys = {alive_key(config, celery_id): celery_id for celery_id in old}
        lost = {keys[key] for key in _missing_twice(config, list(keys))}
        return lost - retries_held(config, now - grace) if lost else lost
    except redis.RedisError as error:
        log.warning("reaper: heartbeats not read: %s", error)
        return set()


def retries_held(config, since: datetime) -> set[str]:
    """Return the Celery ids of the retries (messages with an ETA) that the broker holds,
    waiting or taken by a worker, due after `since`; none unless the broker is Redis."""
    held = set()
    for message in broker_messages(config) or []:
        headers = message_headers(message)
        if (due := due_at(headers)) is not None and due > since:
            held.add(headers.get("id"))
    return held


def _missing_twice(config, keys: list[str]) -> set[str]:
    """Return the `keys` missing now and already missing a heartbeat ago or more."""
    client = redis_client(config["REDIS_URL"])
    present = client.pipeline(transaction=False)
    for key in keys:
        present.exists(key)
    missing = [key for key, found in zip(keys, present.execute(), strict=True) if not found]
    seen = set(keys) - set(missing)
    if seen:
        client.delete(*(_unseen_key(key) for key in seen))
    if not missing:
        return set()
    now, remembered = time.time(), math.ceil(4 * max(config["REAPER_INTERVAL"], 1))
    first_miss = client.pipeline(transaction=False)
    for key in missing:
        first_miss.set(_unseen_key(key), now, nx=True, ex=remembered)
        first_miss.get(_unseen_key(key))
    since = first_miss.execute()[1::2]
    wait = heartbeat_seconds(config)
    return {key for key, at in zip(missing, since, strict=True) if at and now - float(at) >= wait}
