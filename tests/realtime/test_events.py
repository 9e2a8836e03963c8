"""The published payload: only what `publish_task_update` writes is delivered."""

import json

import pytest

from ocrapp.realtime.events import MalformedUpdate, decode_published, envelope

TASK = {"taskId": "t-1", "status": "processing", "progress": 10}


def published(user_id=7, seq="1700000000000-0", message=None) -> dict:
    """A payload as PUBLISH_SCRIPT writes it."""
    message = envelope("task_update", TASK) if message is None else message
    return {"userId": user_id, "seq": seq, "message": message}


def test_a_task_update_is_decoded_with_its_sequence():
    user_id, message = decode_published(json.dumps(published()).encode())
    assert user_id == 7
    assert message["data"] == TASK and message["seq"] == "1700000000000-0"


def test_an_owner_named_in_the_update_must_be_its_recipient():
    message = envelope("task_update", TASK | {"userId": 7})
    assert decode_published(json.dumps(published(message=message)).encode())[0] == 7
    with pytest.raises(MalformedUpdate, match="owner 8"):
        message = envelope("task_update", TASK | {"userId": 8})
        decode_published(json.dumps(published(message=message)).encode())


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        json.dumps(published(user_id="7")),
        json.dumps(published(user_id=True)),
        json.dumps(published(user_id=None)),
        json.dumps(published(seq=5)),
        json.dumps(published(seq="$")),
        json.dumps(published(message="text")),
        json.dumps(published(message=envelope("connected", TASK))),
        json.dumps(published(message=envelope("task_update", TASK | {"taskId": 5}))),
        json.dumps(published(message=envelope("task_update", TASK | {"status": "eaten"}))),
        json.dumps(published(message={"type": "task_update", "data": TASK})),
        json.dumps({"userId": 7, "message": envelope("task_update", TASK)}),
        # The Python names: read, they would have no `userId` or `taskId` to route by.
        json.dumps({"user_id": 7, "seq": "1-0", "message": envelope("task_update", TASK)}),
        json.dumps(
            published(message=envelope("task_update", {"task_id": "t-1", "status": "queued"}))
        ),
        json.dumps(published(seq="\u0661-0")),  # digits, but not ASCII ones
        b'{"userId": 7, "seq": "1-0", "message": "\xff"}',  # not UTF-8
        b"[" * 100_000,  # deeper than any parser's stack
    ],
)
def test_any_other_payload_is_malformed(payload):
    with pytest.raises(MalformedUpdate) as refused:
        decode_published(payload if isinstance(payload, bytes) else payload.encode())
    reason = str(refused.value)
    assert reason and "\n" not in reason and len(reason) < 500


def test_every_field_of_the_update_is_kept_as_published():
    data = TASK | {"userId": 7, "message": "Größe — ok", "languages": ["deu"], "error": None}
    message = envelope("task_update", data)
    user_id, decoded = decode_published(json.dumps(published(message=message)).encode())
    assert user_id == 7 and decoded == message | {"seq": "1700000000000-0"}
    assert type(decoded["type"]) is str and type(decoded["data"]["status"]) is str
