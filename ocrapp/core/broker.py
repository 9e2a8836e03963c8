"""What a Redis broker holds: the messages waiting in the queues' lists, and those workers
took and have not acknowledged (kombu's hash `unacked`), abandoned ones among them."""

import json
import logging
import time
from datetime import datetime

from flask import current_app

from ocrapp.core.models import as_utc
from ocrapp.core.redis_client import redis_client
from ocrapp.core.scheduling import queue_names

# kombu's Redis transport keeps a queue's waiting messages in a list named after it, and
# those of priority 3, 6 and 9 in lists of their own beside it.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
log = logging.getLogger(__name__)
# The messages workers took, by delivery tag, and when each was taken (a sorted set).
TAKEN, TAKEN_AT = "unacked", "unacked_index"
# Seconds each question to the live workers waits for their answers.
INSPECT_SECONDS = 1.0


def broker_lists(config, queues: list[str] | None = None) -> dict[str, list[str]] | None:
    """Return the Redis lists that hold each queue's waiting messages (of the OCR queues
    unless `queues` are named); None unless Redis."""
    if not config["BROKER_URL"].startswith(("redis://", "rediss://")):
        return None
    names = queues or queue_names(config)
    return {name: [name + suffix for suffix in PRIORITY_SUFFIXES] for name in names}


def broker_messages(
    config, queues: list[str] | None = None, taken: bool = True
) -> list[dict] | None:
    """Return the messages the broker holds, of the OCR queues unless `queues` are named:
    waiting, and `taken` too (by a worker, not yet done).

    Only a Redis broker can be asked; None for any other. Workers keep the messages they
    took, unacknowledged, in the hash `unacked`, until they acknowledge them or, if they
    die, until the visibility timeout puts them back.
    """
    if (lists := broker_lists(config, queues)) is None:
        return None
    broker = redis_client(config["BROKER_URL"])
    waiting = [raw for keys in lists.values() for key in keys for raw in broker.lrange(key, 0, -1)]
    held = broker.hvals(TAKEN) if taken else []
    messages = [_decoded(raw) for raw in waiting] + [_decoded(raw, first=True) for raw in held]
    return [message for message in messages if message]


def message_headers(message: dict) -> dict:
    """Return a kombu message's headers ({} if it has none)."""
    return message.get("headers") or {}


def due_at(headers: dict) -> datetime | None:
    """Return when a message's `eta` header says it is due; None if it says nothing."""
    try:
        return as_utc(datetime.fromisoformat(headers.get("eta")))
    except (TypeError, ValueError):
        return None


def broker_task_ids(queues: list[str] | None = None, taken: bool = True) -> set[str] | None:
    """Return the ids of the tasks whose messages the broker holds (`broker_messages`);
    None if it cannot say."""
    messages = broker_messages(current_app.config, queues, taken)
    return None if messages is None else {message_headers(m).get("id") for m in messages}


def abandoned_messages(config, task_ids: set[str], older_than: float) -> dict[str, str]:
    """Return the messages of the tasks `task_ids` that workers took, and that were due,
    over `older_than` seconds ago, still not acknowledged, that no live worker holds: their
    task ids, with their delivery tags.

    Such a message was taken by a worker that died (its main process killed), and Redis
    gives it to another only after the visibility timeout, a day later. A live worker may
    hold one that long (a retry due while its pool processes are all busy): the workers
    are asked (`held_by_workers`), and while they cannot be, nothing is abandoned.
    """
    if broker_lists(config) is None:
        return {}
    broker = redis_client(config["BROKER_URL"])
    taken = broker.hgetall(TAKEN)
    if not taken:
        return {}
    tags = list(taken)
    cutoff = time.time() - older_than
    old = {}
    for tag, taken_at in zip(tags, broker.zmscore(TAKEN_AT, tags), strict=True):
        headers = message_headers(_decoded(taken[tag], first=True))
        due = due_at(headers)
        overdue = due is None or due.timestamp() < cutoff
        if headers.get("id") in task_ids and taken_at is not None and taken_at < cutoff and overdue:
            old[headers.get("id")] = tag.decode()
    if not old or (held := held_by_workers()) is None:
        return {}
    return {task_id: tag for task_id, tag in old.items() if task_id not in held}


def held_by_workers() -> set[str] | None:
    """Return the ids of the tasks the live workers hold: running, waiting for a pool
    process, or for their ETA; None if they could not be asked."""
    inspect = current_app.extensions["celery"].control.inspect(timeout=INSPECT_SECONDS)
    try:
        replies = [inspect.active(), inspect.reserved(), inspect.scheduled()]
    except Exception as error:  # kombu raises several kinds when the broker is away
        log.warning("the workers could not be asked what they hold: %r", error)
        return None
    held = set()
    for reply in replies:  # None: no worker answered
        for requests in (reply or {}).values():
            for request in requests:  # a scheduled one is {"eta": ..., "request": {...}}
                held.add(request.get("request", request).get("id"))
    return held


def forget_taken(config, tags: list[str]) -> None:
    """Remove taken messages from the broker: a worker that acknowledges one later finds
    it gone, and Redis does not give it out again after the visibility timeout."""
    if not tags:
        return
    broker = redis_client(config["BROKER_URL"])
    broker.pipeline().hdel(TAKEN, *tags).zrem(TAKEN_AT, *tags).execute()


def _decoded(raw: bytes, first: bool = False) -> dict:
    """Decode a kombu message (the first item of an unacked entry); {} if it is not one."""
    try:
        value = json.loads(raw)
        value = value[0] if first else value
        return value if isinstance(value, dict) else {}
    except (ValueError, IndexError, KeyError, TypeError):
        return {}
