"""Admission: a task starts, waits its turn at the back of its queue, or is skipped."""

import pytest
import redis

from ocrapp.core import lifecycle
from ocrapp.core.admission import admit
from ocrapp.core.db import db
from ocrapp.core.models import Task, TaskStatus
from ocrapp.core.scheduling import queue_name
from tests.factories import queued_task, set_task


@pytest.fixture(autouse=True)
def in_app(app):
    """Admission runs in the worker's app context: publishing and sending need it."""
    with app.app_context():
        yield


def status_and_message(task_id: str) -> tuple[TaskStatus, str]:
    with db.session() as session:
        task = session.get(Task, task_id)
        return task.status, task.message


def waiting(app) -> int:
    return redis.Redis.from_url(app.config["BROKER_URL"]).llen(queue_name(app.config, "small"))


def test_a_task_starts_when_its_user_is_under_their_concurrency(app, make_user):
    user_id, _ = make_user()
    task_id = queued_task(user_id)
    started = admit(task_id, user_concurrency=2)
    assert started is not None and started.attempts == 1
    assert status_and_message(task_id)[0] is TaskStatus.PROCESSING


def test_a_busy_users_task_goes_to_the_back_of_its_queue_when_others_wait(app, make_user):
    busy_id, _ = make_user()
    other_id, _ = make_user()
    for _ in range(2):
        set_task(queued_task(busy_id), status=TaskStatus.PROCESSING)
    held, others = queued_task(busy_id), queued_task(other_id)
    assert admit(held, user_concurrency=2) is None
    assert status_and_message(held) == (TaskStatus.QUEUED, lifecycle.WAITING_TURN)
    assert waiting(app) == 1  # sent again, behind the other user's task
    assert admit(others, user_concurrency=2) is not None


def test_a_run_again_after_a_lost_worker_goes_on(app, make_user):
    user_id, _ = make_user()
    task_id = queued_task(user_id)
    admit(task_id, user_concurrency=1)
    assert admit(task_id, user_concurrency=1).attempts == 2


def test_a_cancelled_or_missing_task_is_not_started(app, make_user):
    user_id, _ = make_user()
    task_id = queued_task(user_id)
    lifecycle.request_cancel(task_id)
    assert admit(task_id, user_concurrency=2) is None
    assert status_and_message(task_id)[0] is TaskStatus.CANCELLED
    assert admit("00000000-0000-0000-0000-000000000000", user_concurrency=2) is None
    assert waiting(app) == 0
