"""Task update messages: the envelope, the Redis channel, and the one `publish` call."""

import enum
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import redis


class MessageType(enum.StrEnum):
    """The `type` of a message sent to WebSocket clients."""

    CONNECTED = "connected"
    TASK_UPDATE = "task_update"


def timestamp(moment: datetime | None = None) -> str:
    """Format `moment` (default now) as ISO 8601 in UTC with milliseconds and a Z."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:  # SQLite hands back naive datetimes, stored in UTC.
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(message_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Wrap `data` in the message envelope sent to clients."""
    return {"type": message_type, "data": data, "timestamp": timestamp()}


def channel(namespace: str) -> str:
    """Return the pub/sub channel that carries every task update."""
    return f"{namespace}:task-updates"


@cache
def redis_client(url: str) -> redis.Redis:
    """Return this process's Redis client for `url` (its pool is fork-safe)."""
    return redis.Redis.from_url(
        url, health_check_interval=30, socket_connect_timeout=5, socket_timeout=10
    )


def publish_task_update(config, user_id: int, data: dict[str, Any]) -> None:
    """Publish a task update for the sockets of `user_id`."""
    payload = {"userId": user_id, "message": envelope(MessageType.TASK_UPDATE, data)}
    redis_client(config["REDIS_URL"]).publish(
        channel(config["EVENT_NAMESPACE"]), json.dumps(payload)
    )


def decode_published(raw: bytes) -> tuple[int, dict[str, Any]]:
    """Split a published payload into its user id and client message."""
    payload = json.loads(raw)
    return payload["userId"], payload["message"]
