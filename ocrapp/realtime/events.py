"""Task update messages: the envelope, the Redis channel, and the one `publish` call."""

import enum
import functools
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import StrictInt, StrictStr, StringConstraints, ValidationError, model_validator

from ocrapp.core.models import TaskStatus
from ocrapp.core.redis_client import redis_client
from ocrapp.core.task_view import Schema, timestamp


class MessageType(enum.StrEnum):
    """The `type` of a message sent to WebSocket clients."""

    CONNECTED = "connected"
    TASK_UPDATE = "task_update"


def envelope(message_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Wrap `data` in the message envelope sent to clients."""
    return {"type": message_type, "data": data, "timestamp": timestamp(datetime.now(UTC))}


def channel(namespace: str) -> str:
    """Return the pub/sub channel that carries every task update."""
    return f"{namespace}:task-updates"


def history_key(namespace: str, user_id: int) -> str:
    """Return the Redis stream that keeps a user's recent updates, in order."""
    return f"{namespace}:updates:{user_id}"


# Append to the user's stream and publish, in one step: the stream entry's id is the
# update's sequence number, carried by the published copy too.
PUBLISH_SCRIPT = """
local seq = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'message', ARGV[2])
redis.call('PUBLISH', KEYS[2],
  '{"userId": ' .. ARGV[1] .. ', "seq": "' .. seq .. '", "message": ' .. ARGV[2] .. '}')
return seq
"""


def publish_arguments(config, user_id: int, data: dict[str, Any]) -> tuple:
    """The arguments of PUBLISH_SCRIPT's EVAL that keeps and publishes a task update."""
    namespace = config["EVENT_NAMESPACE"]
    message = json.dumps(envelope(MessageType.TASK_UPDATE, data))
    keys = [history_key(namespace, user_id), channel(namespace)]
    return (PUBLISH_SCRIPT, 2, *keys, user_id, message, config["UPDATE_HISTORY"])


def publish_task_update(config, user_id: int, data: dict[str, Any]) -> str:
    """Keep and publish a task update for the sockets of `user_id`; return its sequence."""
    client = redis_client(config["REDIS_URL"])
    return client.eval(*publish_arguments(config, user_id, data)).decode()


class MalformedUpdate(ValueError):
    """A payload on the update channel that `publish_task_update` did not write."""


class _PublishedData(Schema):
    task_id: StrictStr
    status: TaskStatus
    user_id: StrictInt | None = None


class _PublishedMessage(Schema):
    type: Literal[MessageType.TASK_UPDATE]
    data: _PublishedData
    timestamp: StrictStr


class _Published(Schema):
    """What PUBLISH_SCRIPT sends: the owner, the stream id, and a task update envelope."""

    user_id: StrictInt
    seq: Annotated[str, StringConstraints(pattern=r"^\d+-\d+$")]
    message: _PublishedMessage

    @model_validator(mode="after")
    def owner_matches(self) -> Self:
        """An update that names its task's owner must go to that owner only."""
        owner = self.message.data.user_id
        if owner is not None and owner != self.user_id:
            raise ValueError(f"the task's owner {owner} is not the recipient {self.user_id}")
        return self


def _problems(error: ValidationError) -> str:
    """Say in a line what is wrong with a payload, without repeating its content."""
    found = error.errors(include_input=False, include_url=False)[:3]
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in found)


def decode_published(raw: bytes) -> tuple[int, dict[str, Any]]:
    """Split a published payload into its user id and client message (with its `seq`).

    Anyone who can publish on the channel can send anything: raise MalformedUpdate for a
    payload of another shape, so that it is never delivered.
    """
    try:
        payload = json.loads(raw)
        _Published.model_validate(payload)
    except ValidationError as error:
        raise MalformedUpdate(_problems(error)) from None
    except ValueError as error:  # not JSON, or not UTF-8
        raise MalformedUpdate(f"not JSON: {error}") from None
    return payload["userId"], payload["message"] | {"seq": payload["seq"]}


@functools.lru_cache(maxsize=4096)  # a burst compares each update's at every socket
def seq_key(seq: str) -> tuple[int, int]:
    """Order sequence numbers (stream ids, `<ms>-<n>`) as numbers, not as text."""
    milliseconds, _, number = seq.partition("-")
    return int(milliseconds), int(number or 0)


def history(config, user_id: int, since: str = "-") -> list[dict[str, Any]]:
    """Return the user's kept updates after `since` (all with "-"), oldest first."""
    start = f"({since}" if since != "-" else since
    entries = redis_client(config["REDIS_URL"]).xrange(
        history_key(config["EVENT_NAMESPACE"], user_id), min=start
    )
    return [json.loads(fields[b"message"]) | {"seq": seq.decode()} for seq, fields in entries]


def latest_seq(config, user_id: int) -> str:
    """Return the sequence number of the user's last kept update ("0-0" if none)."""
    last = redis_client(config["REDIS_URL"]).xrevrange(
        history_key(config["EVENT_NAMESPACE"], user_id), count=1
    )
    return last[0][0].decode() if last else "0-0"
