"""Deliveries sent to a real receiver: signed, retried, recorded, given up, swept, forgotten."""

import json
import threading
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from ocrapp.core import deletion, lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import (
    DeliveryStatus,
    TaskPage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    as_utc,
    utcnow,
)
from ocrapp.webhooks import turns
from ocrapp.webhooks.delivery import (
    claim,
    deliver,
    dispatch_due,
    forget_old_deliveries,
    record_outcome,
)
from ocrapp.webhooks.dispatch import message_id
from ocrapp.webhooks.endpoints import create_endpoint, redeliver
from ocrapp.webhooks.events import EventType, add_deliveries
from ocrapp.webhooks.transport import Outcome
from ocrapp.webhooks.turns import users_turn
from tests.factories import queued_task, set_task
from tests.stack import wait_for
from tests.webhook_receiver import Receiver

ALL_EVENTS = [str(event) for event in EventType]


@pytest.fixture
def webhook_app(app):
    """The app with http and loopback receivers allowed, quick retries, a queue of its own."""
    app.config.update(
        WEBHOOK_ALLOW_HTTP=True,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS=True,
        WEBHOOK_BACKOFF=0.01,
        WEBHOOK_QUEUE=f"webhooks-test-{id(app)}",
    )
    with app.app_context():
        yield app
    redis.Redis.from_url(app.config["BROKER_URL"]).delete(app.config["WEBHOOK_QUEUE"])


def endpoint_for(app, user_id: int, url: str, events=ALL_EVENTS) -> WebhookEndpoint:
    with db.session() as session:
        return create_endpoint(session, user_id, url, events, "test", app.config)


def one_delivery(endpoint: WebhookEndpoint) -> str:
    """Record a `task.completed` event for the endpoint; return the delivery's id."""
    task = {"taskId": "00000000-0000-0000-0000-000000000001", "status": "completed"}
    with db.session() as session:
        [delivery_id] = add_deliveries(session, [endpoint], EventType.TASK_COMPLETED, task)
    return delivery_id


def delivery(delivery_id: str) -> WebhookDelivery:
    with db.session() as session:
        found = session.get(WebhookDelivery, delivery_id)
        found.attempts  # noqa: B018  (loaded while the session is open)
        return found


def test_a_failing_receiver_gets_the_same_signed_message_until_it_answers_200(
    webhook_app, make_user
):
    user_id, _ = make_user()
    with Receiver([(500, {}), (502, {})]) as receiver:
        endpoint = endpoint_for(webhook_app, user_id, receiver.url)
        delivery_id = one_delivery(endpoint)
        assert deliver(delivery_id, 0).status_code == 500
        assert delivery(delivery_id).status == DeliveryStatus.PENDING
        assert deliver(delivery_id, 0) is None  # a second message for that try: too late
        assert deliver(delivery_id, 1).status_code == 502
        assert deliver(delivery_id, 2).delivered
        received = receiver.wait_for(3)
    assert {request.headers["webhook-id"] for request in received} == {delivery_id}
    for request in received:
        body = Webhook(endpoint.secret).verify(request.body, request.headers)
        assert body["type"] == "task.completed"
        assert body["data"]["links"]["results"]["txt"].endswith("/result?format=txt")
    done = delivery(delivery_id)
    assert (done.status, done.attempt_count, done.next_attempt_at) == ("delivered", 3, None)
    assert [attempt.status_code for attempt in done.attempts] == [500, 502, 200]
    assert all(attempt.duration_ms >= 0 for attempt in done.attempts)


def test_other_4xx_answers_are_not_retried(webhook_app, make_user):
    user_id, _ = make_user()
    with Receiver([(404, {})]) as receiver:
        endpoint = endpoint_for(webhook_app, user_id, receiver.url)
        delivery_id = one_delivery(endpoint)
        deliver(delivery_id, 0)
    given_up = delivery(delivery_id)
    assert given_up.status == DeliveryStatus.FAILED and given_up.finished_at is not None
    with db.session() as session:
        assert session.get(WebhookEndpoint, endpoint.id).enabled


def test_410_gone_disables_the_endpoint_at_once(webhook_app, make_user):
    user_id, _ = make_user()
    with Receiver([(410, {})]) as receiver:
        endpoint = endpoint_for(webhook_app, user_id, receiver.url)
        gone, next_one = one_delivery(endpoint), one_delivery(endpoint)
        deliver(gone, 0)
        assert deliver(next_one, 0) is None  # not sent to a disabled endpoint
    with db.session() as session:
        disabled = session.get(WebhookEndpoint, endpoint.id)
        assert not disabled.enabled and "410 Gone" in disabled.disabled_reason
    assert delivery(gone).status == delivery(next_one).status == DeliveryStatus.FAILED
    assert len(receiver.received) == 1


def test_retry_after_is_honoured(webhook_app, make_user):
    user_id, _ = make_user()
    with Receiver([(429, {"Retry-After": "120"})]) as receiver:
        delivery_id = one_delivery(endpoint_for(webhook_app, user_id, receiver.url))
        deliver(delivery_id, 0)
    waiting = delivery(delivery_id)
    assert waiting.status == DeliveryStatus.PENDING
    assert as_utc(waiting.next_attempt_at) >= utcnow() + timedelta(seconds=118)


def test_a_network_error_is_recorded_and_retried_until_the_window_ends(webhook_app, make_user):
    user_id, _ = make_user()
    with Receiver() as receiver:
        url = receiver.url
    endpoint = endpoint_for(webhook_app, user_id, url)  # nothing listens there any more
    delivery_id = one_delivery(endpoint)
    outcome = deliver(delivery_id, 0)
    assert outcome.status_code is None and "Connection" in outcome.error
    assert delivery(delivery_id).status == DeliveryStatus.PENDING
    webhook_app.config["WEBHOOK_RETRY_SECONDS"] = 0
    late = one_delivery(endpoint)
    deliver(late, 0)
    assert delivery(late).status == DeliveryStatus.FAILED


def test_a_redelivery_backs_off_from_the_start_again(webhook_app, make_user):
    """After a day of tries, a redelivery that fails is tried again in seconds, not hours."""
    webhook_app.config.update(WEBHOOK_BACKOFF=5, WEBHOOK_BACKOFF_MAX=3600)
    user_id, _ = make_user()
    with Receiver([(500, {}), (500, {})]) as receiver:
        endpoint = endpoint_for(webhook_app, user_id, receiver.url)
        delivery_id = one_delivery(endpoint)
        deliver(delivery_id, 0)
        with db.session() as session:  # as if 29 more tries had failed since
            session.get(WebhookDelivery, delivery_id).attempt_count = 30
            redeliver(session, session.get(WebhookDelivery, delivery_id), webhook_app.config)
        deliver(delivery_id, 30)
    again = delivery(delivery_id)
    assert again.status == DeliveryStatus.PENDING and len(again.attempts) == 2
    assert as_utc(again.next_attempt_at) <= utcnow() + timedelta(seconds=5)


def failing_for_days(endpoint: WebhookEndpoint, last_try: timedelta) -> None:
    """Make `endpoint` fail since six days ago, its last failed try `last_try` ago."""
    earlier = one_delivery(endpoint)
    with db.session() as session:
        session.get(WebhookEndpoint, endpoint.id).failing_since = utcnow() - timedelta(days=6)
        tried = utcnow() - last_try
        session.add(WebhookAttempt(delivery_id=earlier, attempted_at=tried, duration_ms=1))


def test_an_endpoint_failing_for_days_is_disabled_and_says_why(webhook_app, make_user):
    user_id, _ = make_user()
    with Receiver([(500, {})]) as receiver:
        endpoint = endpoint_for(webhook_app, user_id, receiver.url)
        first, second = one_delivery(endpoint), one_delivery(endpoint)
        failing_for_days(endpoint, last_try=timedelta(hours=1))  # tried as retries come due
        deliver(first, 0)
        assert deliver(second, 0) is None  # not sent to a disabled endpoint
    with db.session() as session:
        disabled = session.get(WebhookEndpoint, endpoint.id)
        assert not disabled.enabled and "failed for 6 days" in disabled.disabled_reason
    given_up = delivery(second)
    assert given_up.status == DeliveryStatus.FAILED
    # Its attempt count and its listed tries agree: the last says why it was not sent.
    assert given_up.attempt_count == len(given_up.attempts) == 1
    assert given_up.attempts[0].error == "Not sent: the endpoint is disabled."
    assert len(receiver.received) == 1


def test_failures_days_apart_are_not_days_of_failures(webhook_app, make_user):
    # A 400 on Monday, nothing to send all week, a 503 on Saturday: not disabled.
    user_id, _ = make_user()
    with Receiver([(503, {})]) as receiver:
        endpoint = endpoint_for(webhook_app, user_id, receiver.url)
        failing_for_days(endpoint, last_try=timedelta(days=5))
        deliver(one_delivery(endpoint), 0)
    with db.session() as session:
        still = session.get(WebhookEndpoint, endpoint.id)
        assert still.enabled
        assert utcnow() - as_utc(still.failing_since) < timedelta(minutes=1)  # counted anew


def test_a_user_with_every_turn_taken_waits_in_line_and_the_others_do_not(webhook_app, make_user):
    webhook_app.config["WEBHOOK_USER_CONCURRENCY"] = 1
    busy_id, _ = make_user()
    other_id, _ = make_user()
    sent_again: list[str] = []
    with Receiver() as receiver:
        busy = one_delivery(endpoint_for(webhook_app, busy_id, receiver.url))
        other = one_delivery(endpoint_for(webhook_app, other_id, receiver.url))
        # A try of theirs under way, whose end sends the first one in line again.
        with users_turn(webhook_app.config, busy_id, "held:0", sent_again.append) as turn:
            assert turn
            assert deliver(busy, 0) is None  # in line, untried
            waiting = delivery(busy)
            assert waiting.status == DeliveryStatus.PENDING and waiting.attempt_count == 0
            assert deliver(other, 0).delivered  # another user's goes at once
            assert sent_again == []
        assert sent_again == [message_id(busy, 0)]  # as the try ended, not at a sweep
        assert deliver(busy, 0).delivered
    assert len(receiver.received) == 2


def test_a_turn_whose_try_was_lost_lapses(webhook_app, make_user, monkeypatch):
    # A worker killed in the middle of a try never gives its turn back.
    monkeypatch.setattr(turns, "PLACE_MARGIN", 0)
    webhook_app.config.update(WEBHOOK_USER_CONCURRENCY=1, WEBHOOK_TIMEOUT=0.2)
    user_id, _ = make_user()
    config, ignore = webhook_app.config, lambda _message: None
    lost = users_turn(config, user_id, "lost:0", ignore)
    assert lost.__enter__()  # and never left
    with users_turn(config, user_id, "next:0", ignore) as turn:
        assert not turn

    def free() -> bool:
        with users_turn(config, user_id, "next:0", ignore) as turn:
            return turn

    wait_for(free, timeout=10, what="the lost try's turn lapsed")


def test_of_two_messages_for_one_try_one_sends(webhook_app, make_user):
    user_id, _ = make_user()
    endpoint = endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks")
    delivery_id = one_delivery(endpoint)
    claims, start = [], threading.Barrier(4)

    def take() -> None:
        with webhook_app.app_context():
            start.wait()
            claims.append(claim(delivery_id, 0))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([taken for taken in claims if taken is not None]) == 1


def test_a_try_that_ends_after_the_next_one_began_leaves_that_ones_claim(webhook_app, make_user):
    user_id, _ = make_user()
    endpoint = endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks")
    delivery_id = one_delivery(endpoint)
    first = claim(delivery_id, 0)
    with db.session() as session:  # the first try outlived its lease: a second one began
        session.get(WebhookDelivery, delivery_id).next_attempt_at = utcnow()
    second = claim(delivery_id, 1)
    assert (first.attempt, second.attempt) == (1, 2)
    record_outcome(first, Outcome(status_code=500, duration_ms=15_000))
    assert delivery(delivery_id).claimed_at is not None  # the second try is still under way


def test_the_sweep_hands_over_due_deliveries_once_per_lease(webhook_app, make_user):
    user_id, _ = make_user()
    endpoint = endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks")
    due, later = one_delivery(endpoint), one_delivery(endpoint)
    with db.session() as session:
        session.get(WebhookDelivery, due).next_attempt_at = utcnow() - timedelta(seconds=1)
    broker = redis.Redis.from_url(webhook_app.config["BROKER_URL"])
    queue = webhook_app.config["WEBHOOK_QUEUE"]
    broker.delete(queue)  # the messages sent when they were recorded are lost
    sent_before = broker.llen(queue)
    assert dispatch_due() == 1
    assert dispatch_due() == 0  # it is not due again until its lease ends
    assert broker.llen(queue) == sent_before + 1
    message = json.loads(broker.lindex(queue, 0))
    assert message["headers"]["argsrepr"] == repr([due, 0])
    assert as_utc(delivery(due).next_attempt_at) > utcnow() + timedelta(seconds=50)
    assert delivery(later).attempt_count == 0


def test_the_sweep_leaves_a_delivery_whose_message_still_waits_past_its_lease(
    webhook_app, make_user
):
    """A queue slower than the lease: the message sent is still to come, none is added."""
    user_id, _ = make_user()
    endpoint = endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks")
    waiting = one_delivery(endpoint)
    broker = redis.Redis.from_url(webhook_app.config["BROKER_URL"])
    queue = webhook_app.config["WEBHOOK_QUEUE"]
    assert broker.llen(queue) == 1  # sent when it was recorded, not taken yet
    for _ in range(3):  # a sweep each time the lease ends
        with db.session() as session:
            row = session.get(WebhookDelivery, waiting)
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        assert dispatch_due() == 0
        assert as_utc(delivery(waiting).next_attempt_at) > utcnow() + timedelta(seconds=50)
    assert broker.llen(queue) == 1
    # A worker took it and was killed before it started: the message stays `unacked` until
    # the broker's visibility timeout (a day); the sweep sends it again after the lease.
    taken = broker.rpop(queue)
    broker.hset("unacked", "tag", json.dumps([json.loads(taken), "", queue]))
    try:
        with db.session() as session:
            row = session.get(WebhookDelivery, waiting)
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        assert dispatch_due() == 1 and broker.llen(queue) == 1
    finally:
        broker.hdel("unacked", "tag")


def test_old_deliveries_are_forgotten_with_their_attempts(webhook_app, make_user):
    user_id, _ = make_user()
    with Receiver() as receiver:
        endpoint = endpoint_for(webhook_app, user_id, receiver.url)
        old, new = one_delivery(endpoint), one_delivery(endpoint)
        deliver(old, 0)
    with db.session() as session:
        session.get(WebhookDelivery, old).created_at = utcnow() - timedelta(days=31)
    assert forget_old_deliveries() == 1
    with db.session() as session:
        assert session.scalars(select(WebhookDelivery.id)).all() == [new]
        assert session.scalars(select(WebhookAttempt)).all() == []


def test_events_are_recorded_with_the_status_change_and_each_new_page(webhook_app, make_user):
    user_id, _ = make_user()
    other_id, _ = make_user()
    endpoint = endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks")
    endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/failed-only", ["task.failed"])
    endpoint_for(webhook_app, other_id, "http://127.0.0.1:9/other")
    task_id = queued_task(user_id)
    lifecycle.mark_processing(task_id)
    for _ in range(2):  # the second time, a retry storing the page again: no second event
        with db.session() as session:
            page = session.scalar(select(TaskPage).where(TaskPage.task_id == task_id))
            page = page or TaskPage(task_id=task_id, number=1, source="ocr", result_key="k")
            page.word_count, page.confidence_score, page.skew = 3, 0.9, 2.5
            session.add(page)
    set_task(task_id, page_count=1)
    lifecycle.mark_completed(task_id)
    with db.session() as session:
        recorded = session.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.created_at)
        ).all()
    assert [(d.endpoint_id, d.event_type) for d in recorded] == [
        (endpoint.id, "page.completed"),
        (endpoint.id, "task.completed"),
    ]
    page_event, task_event = (json.loads(d.body) for d in recorded)
    assert page_event["data"]["completedPage"]["number"] == 1
    assert page_event["data"]["completedPage"]["skew"] == 2.5
    assert page_event["data"]["completedPage"]["link"] == f"/api/tasks/{task_id}/pages/1"
    assert task_event["data"]["taskId"] == task_id and task_event["data"]["status"] == "completed"


def test_a_split_tasks_page_event_shows_the_page_counted_in_its_progress(webhook_app, make_user):
    # A range counts its page in the task's progress after inserting it: the event, made
    # at commit, shows the task as `GET /api/tasks/<id>` does from then on.
    user_id, _ = make_user()
    endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks", ["page.completed"])
    task_id = queued_task(user_id)
    lifecycle.mark_processing(task_id)
    with db.session() as session:
        task = lifecycle.locked_task(session, task_id)
        session.add(stored_page(task_id, 3))
        session.flush()
        lifecycle.record_page_done(session, task, 3, 4)
    with db.session() as session:
        (delivery,) = session.scalars(select(WebhookDelivery)).all()
    data = json.loads(delivery.body)["data"]
    assert (data["completedPage"]["number"], data["page"], data["progress"]) == (3, 3, 25)


def test_a_page_rolled_back_has_no_event(webhook_app, make_user):
    user_id, _ = make_user()
    endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks", ["page.completed"])
    task_id = queued_task(user_id)
    with Session(db.engine) as session:  # one session, its transaction rolled back, then a new one
        session.add(stored_page(task_id, 1))
        session.flush()
        session.rollback()
        session.commit()
    with db.session() as session:
        assert session.scalars(select(WebhookDelivery)).all() == []


def stored_page(task_id: str, number: int) -> TaskPage:
    """A page row as a worker stores it."""
    return TaskPage(
        task_id=task_id,
        number=number,
        source="ocr",
        result_key="k",
        word_count=3,
        confidence_score=0.9,
    )


def test_deleting_a_task_forgets_its_deliveries(webhook_app, make_user):
    user_id, _ = make_user()
    endpoint_for(webhook_app, user_id, "http://127.0.0.1:9/hooks", ["task.cancelled"])
    task_id, kept = queued_task(user_id), queued_task(user_id)
    lifecycle.request_cancel(kept)
    assert deletion.delete_task(task_id)  # cancelled first (an event), then deleted
    with db.session() as session:
        assert session.scalars(select(WebhookDelivery.task_id)).all() == [kept]
