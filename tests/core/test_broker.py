"""What the broker holds: messages waiting, taken, and taken by a worker that died."""

import time

import redis

from ocrapp.core.broker import abandoned_messages, broker_task_ids, forget_taken
from ocrapp.core.jobs import send_ocr
from ocrapp.core.scheduling import SMALL, queue_name
from tests.brokers import taken_by_a_worker_that_dies


def test_a_message_a_dead_worker_took_is_abandoned_once_it_had_time_to_start(app):
    config = app.config
    with app.app_context():
        send_ocr("taken", 1, "small")
        assert taken_by_a_worker_that_dies(config["BROKER_URL"], queue_name(config, SMALL)) == (
            "taken"
        )
        assert broker_task_ids() == {"taken"}  # unacknowledged: Redis still holds it
        assert abandoned_messages(config, {"taken"}, older_than=60) == {}  # taken just now
        time.sleep(0.01)
        assert abandoned_messages(config, {"another"}, older_than=0) == {}  # not asked for
        abandoned = abandoned_messages(config, {"taken"}, older_than=0)
        assert list(abandoned) == ["taken"]
        forget_taken(config, list(abandoned.values()))
        assert broker_task_ids() == set()
    assert redis.Redis.from_url(config["BROKER_URL"]).zcard("unacked_index") == 0


def test_a_retry_a_dead_worker_took_is_not_abandoned_before_it_is_due(app):
    config = app.config
    with app.app_context():
        celery_app = app.extensions["celery"]
        celery_app.send_task(
            "retry", task_id="retry", queue=queue_name(config, SMALL), countdown=60
        )
        taken_by_a_worker_that_dies(config["BROKER_URL"], queue_name(config, SMALL))
        time.sleep(0.01)
        assert abandoned_messages(config, {"retry"}, older_than=0) == {}
        assert broker_task_ids() == {"retry"}
