"""Task update messages: the envelope, the Redis channel, and the one `publish` call."""

import enum
import functools
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    ConfigDict,
    StrictInt,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    with_config,
)
from typing_extensions import TypedDict  # what pydantic reads on Python 3.11

from ocrapp.core.models import TaskStatus
from ocrapp.core.redis_client import redis_client
from ocrapp.core.task_view import timestamp


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


# The payload's own JSON names: no aliases, so that a payload in snake_case is refused
# rather than read; `extra="allow"` keeps every field of the task for its sockets.
_AS_PUBLISHED = ConfigDict(extra="allow", use_enum_values=True)


@with_config(_AS_PUBLISHED)
class _PublishedData(TypedDict):
    taskId: StrictStr
    status: TaskStatus
    userId: NotRequired[StrictInt | None]


@with_config(_AS_PUBLISHED)
class _PublishedMessage(TypedDict):
    # MessageType.TASK_UPDATE's value: an enum here would be turned back into text in Python.
    type: Literal["task_update"]
    data: _PublishedData
    timestamp: StrictStr


@with_config(_AS_PUBLISHED)
class _Published(TypedDict):
    """What PUBLISH_SCRIPT sends: the owner, the stream id, and a task update envelope."""

    userId: StrictInt
    seq: Annotated[str, StringConstraints(pattern=r"^[0-9]+-[0-9]+$")]
    message: _PublishedMessage


def _owner_matches(payload: _Published) -> _Published:
    """An update that names its task's owner must go to that owner only."""
    owner = payload["message"]["data"].get("userId")
    if owner is not None and owner != payload["userId"]:
        raise ValueError(f"the task's owner {owner} is not the recipient {payload['userId']}")
    return payload


# Parsed and checked in one pass by pydantic-core: a burst decodes thousands at once.
_published = TypeAdapter(Annotated[_Published, AfterValidator(_owner_matches)])


def _problems(error: ValidationError) -> str:
    """Say in a line what is wrong with a payload, without repeating its content."""
    found = error.errors(include_input=False, include_url=False)[:3]
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in found)


def decode_published(raw: bytes) -> tuple[int, dict[str, Any]]:
    """Split a published payload into its user id and client message (with its `seq`).

    Anyone who can publish on the channel can send anything: raise MalformedUpdate for a
    payload of another shape (or not JSON, or not UTF-8), so that it is never delivered.
    """
    try:
        payload = _published.validate_json(raw)
    except ValidationError as error:
        raise MalformedUpdate(_problems(error)) from None
    message = payload["message"]  # a new dict of its own: adding to it changes nothing else
    message["seq"] = payload["seq"]
    return payload["userId"], message


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
