"""The per-process fan-out: bounded inboxes that catch up instead of growing."""

import json
import logging
import uuid
from types import SimpleNamespace

import pytest
import redis

from ocrapp.realtime.events import channel, envelope, publish_task_update
from ocrapp.realtime.hub import INBOX_SIZE, RESYNC, UpdateHub


def test_a_full_inbox_is_emptied_and_told_to_catch_up():
    hub = UpdateHub()
    slow, other = hub.add_inbox(7), hub.add_inbox(8)
    for number in range(INBOX_SIZE + 5):
        hub.dispatch(7, {"seq": f"{number}-0"})
    assert slow.qsize() <= 5
    assert slow.get_nowait() is RESYNC
    assert other.empty()


def test_updates_go_to_every_inbox_of_their_user_only():
    hub = UpdateHub()
    first, second, stranger = hub.add_inbox(1), hub.add_inbox(1), hub.add_inbox(2)
    hub.dispatch(1, {"seq": "1-0"})
    assert first.get_nowait() == second.get_nowait() == {"seq": "1-0"}
    assert stranger.empty()


def test_an_update_is_serialised_once_for_every_socket_of_its_user():
    hub = UpdateHub()
    first, second = hub.add_inbox(3), hub.add_inbox(3)
    data = {"taskId": "t", "status": "queued", "message": "Größe — \u2028 ok", "page": None}
    message = {"type": "task_update", "data": data, "seq": "5-0"}
    hub.dispatch(3, message)
    update = first.get_nowait()
    assert second.get_nowait() is update
    assert json.loads(update.text) == update == message
    assert update.frame is update.frame and update.frame.endswith(update.text.encode())


@pytest.fixture
def live_hub(redis_server):
    """A hub subscribed on a real Redis, on a channel of its own; and its events config."""
    config = {
        "REDIS_URL": f"{redis_server}/15",
        "EVENT_NAMESPACE": f"hub-{uuid.uuid4().hex[:8]}",
        "UPDATE_HISTORY": 100,
    }
    hub = UpdateHub()
    hub.init_app(SimpleNamespace(config=config, extensions={}))
    return hub, config


def test_a_malformed_update_is_logged_and_skipped_without_resyncing_any_socket(live_hub, caplog):
    hub, config = live_hub
    inbox, other = hub.subscribe(41), hub.subscribe(42)
    task = {"taskId": "t", "status": "queued"}
    valid = {"userId": 41, "seq": "1-0", "message": envelope("task_update", task)}
    malformed = [
        b"not json",
        json.dumps(valid | {"userId": "41"}).encode(),
        json.dumps(valid | {"message": {"type": "task_update"}}).encode(),
        json.dumps(valid | {"message": envelope("task_update", task | {"userId": 42})}).encode(),
        b'{"userId": 41, "seq": "3-0", "message": "' + b"x" * 100_000 + b'"}',
        json.dumps({"user_id": 41, "seq": "1-0", "message": valid["message"]}).encode(),
        b"[" * 100_000,
    ]
    client = redis.Redis.from_url(config["REDIS_URL"])
    with caplog.at_level(logging.WARNING, logger="ocrapp.realtime.hub"):
        for payload in malformed:
            client.publish(channel(config["EVENT_NAMESPACE"]), payload)
        data = {"taskId": "task-after", "status": "processing", "message": "still here"}
        publish_task_update(config, 41, data)
        update = inbox.get(timeout=5)
    assert update is not RESYNC and update["data"] == data
    assert inbox.empty() and other.empty()
    skipped = [r for r in caplog.records if "malformed update" in r.getMessage()]
    assert len(skipped) == len(malformed)
    assert all(len(record.getMessage()) < 1000 for record in skipped)


def test_a_subscription_cut_by_redis_resyncs_every_socket(live_hub):
    hub, config = live_hub
    inbox = hub.subscribe(43)
    client = redis.Redis.from_url(config["REDIS_URL"])
    # Whether the hub's loop sees the error or redis-py subscribes again by itself, what
    # was published in between is lost to the subscription, not to the history.
    assert client.client_kill_filter(_type="pubsub") >= 1
    assert inbox.get(timeout=10) is RESYNC
