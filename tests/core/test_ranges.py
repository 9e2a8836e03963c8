"""Split tasks: ranges planned once, sent a few at a time, one assembler, lost ones reaped."""

from datetime import timedelta

import pytest
import redis
from sqlalchemy import select, update

from ocrapp.core import lifecycle, ranges
from ocrapp.core.broker import broker_task_ids
from ocrapp.core.db import db
from ocrapp.core.jobs import range_celery_id
from ocrapp.core.models import RangeStatus, Task, TaskRange, TaskStatus, utcnow
from ocrapp.core.runs import Run, RunSuperseded
from ocrapp.core.scheduling import SMALL, queue_name
from ocrapp.core.storage import StorageError, get_storage, page_image_key
from tests.brokers import taken_by_a_worker_that_dies
from tests.factories import queued_task
from tests.servers import Redis


def test_a_file_is_planned_in_ranges_of_range_pages():
    assert ranges.plan_ranges(9, 4) == [(1, 4), (5, 8), (9, 9)]
    assert ranges.plan_ranges(8, 2) == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert ranges.should_split(8, {"SPLIT_PAGES": 8})
    assert not ranges.should_split(7, {"SPLIT_PAGES": 8})
    assert not ranges.should_split(500, {"SPLIT_PAGES": 0})


@pytest.fixture
def split(app, make_user):
    """A processing task of 8 pages, split into 4 ranges of 2, 2 out at once."""
    app.config.update(RANGE_PAGES=2, SPLIT_WIDTH=2)
    user_id, _ = make_user()
    with app.app_context():
        task_id = queued_task(user_id)
        lifecycle.mark_processing(task_id)
        ranges.split_task(task_id, 8)
        yield task_id


def statuses(task_id: str) -> list[str]:
    with db.session() as session:
        query = select(TaskRange.status).filter_by(task_id=task_id).order_by(TaskRange.first)
        return list(session.scalars(query))


def waiting_messages(app) -> int:
    broker = redis.Redis.from_url(app.config["BROKER_URL"])
    return broker.llen(queue_name(app.config, SMALL))


def test_ranges_go_out_two_at_a_time_and_only_the_last_assembles(app, split):
    assert statuses(split) == ["sent", "sent", "waiting", "waiting"]
    assert waiting_messages(app) == 2
    ranges.split_task(split, 8)  # a run again after a lost worker plans nothing new
    assert len(statuses(split)) == 4 and waiting_messages(app) == 2

    assert ranges.start_range(split, 1) is not None
    assert ranges.finish_range(split, 1, 8) is False
    assert statuses(split) == ["done", "sent", "sent", "waiting"]  # the next goes out
    finished = [ranges.finish_range(split, first, 8) for first in (3, 5, 7)]
    assert finished == [False, False, True]
    assert statuses(split)[-1] == RangeStatus.ASSEMBLING
    assert ranges.finish_range(split, 7, 8) is True  # its worker lost: it assembles again
    ranges.assembled(split, 7)
    assert ranges.start_range(split, 7) is None  # done: a redelivered message does nothing
    assert waiting_messages(app) == 4


def test_a_range_run_again_counts_in_the_tasks_attempts(app, split):
    for _ in range(2):
        task, task_range = ranges.start_range(split, 3)
    assert task_range.attempts == 2 and task.attempts == 2


def test_nothing_more_goes_out_once_the_task_is_cancelled(app, split):
    lifecycle.request_cancel(split)
    assert ranges.finish_range(split, 1, 8) is False
    assert statuses(split) == ["done", "sent", "waiting", "waiting"]


def age_range(task_id: str, first: int, attempts: int) -> None:
    """Leave the range as a worker machine that went away leaves it: running for a day."""
    long_ago = utcnow() - timedelta(days=1)
    with db.session() as session:
        session.execute(
            update(TaskRange)
            .filter_by(task_id=task_id, first=first)
            .values(status=RangeStatus.RUNNING, started_at=long_ago, attempts=attempts)
        )


def test_the_reaper_sends_a_lost_range_again_then_fails_the_task(app, split):
    age_range(split, 1, attempts=1)
    assert ranges.reap_ranges() == 1
    assert statuses(split)[0] == RangeStatus.SENT and waiting_messages(app) == 3

    with db.session() as session:
        user_id = session.get(Task, split).user_id
    storage = get_storage(app.config)
    images = [page_image_key(user_id, split, number) for number in (1, 2, 3)]
    for key in images:  # kept by ranges for the searchable PDF
        storage.put(key, b"jpeg", "image/jpeg")
    age_range(split, 1, attempts=app.config["MAX_ATTEMPTS"])
    assert ranges.reap_ranges() == 1
    with db.session() as session:
        task = session.get(Task, split)
    assert task.status is TaskStatus.FAILED and task.error["code"] == "worker_lost"
    for key in images:  # the task will have no result: its page images go
        with pytest.raises(StorageError):
            storage.get(key)


def test_a_range_whose_message_a_worker_took_and_died_holding_is_sent_again(app, split):
    """Found in the chaos run: the range stayed `sent`, its message unacknowledged for a
    day (the visibility timeout), and its task `processing`."""
    queue = queue_name(app.config, SMALL)
    taken = taken_by_a_worker_that_dies(app.config["BROKER_URL"], queue)
    app.config["LOST_AFTER"] = 0
    with db.session() as session:  # sent a while ago
        session.execute(update(TaskRange).values(sent_at=utcnow() - timedelta(minutes=5)))
    assert ranges.reap_ranges() == 1
    assert waiting_messages(app) == 2  # the other range's, and this one's again
    assert taken == range_celery_id(split, 1) or taken == range_celery_id(split, 3)
    assert taken in broker_task_ids(taken=False)


def test_a_range_run_still_going_after_the_reaper_sent_it_again_cannot_finish_it(app, split):
    _, stalled = ranges.start_range(split, 1)
    age_range(split, 1, attempts=1)
    assert ranges.reap_ranges() == 1
    _, resumed = ranges.start_range(split, 1)
    with pytest.raises(RunSuperseded):
        ranges.finish_range(split, 1, 8, Run.of(stalled))
    with pytest.raises(RunSuperseded):
        ranges.assembled(split, 1, Run.of(stalled))
    assert statuses(split)[0] == RangeStatus.RUNNING
    assert ranges.finish_range(split, 1, 8, Run.of(resumed)) is False
    assert statuses(split)[0] == RangeStatus.DONE


def test_a_broker_away_as_a_range_finishes_leaves_the_next_ranges_to_the_reaper(
    app, make_user, tmp_path
):
    """Its error failed the whole task (internal_error) when the broker was away at the
    moment a range finished and sent the next ones."""
    server = Redis(tmp_path)
    server.start()
    app.config.update(RANGE_PAGES=2, SPLIT_WIDTH=2, BROKER_URL=server.url)
    app.extensions["celery"].conf.broker_url = server.url
    user_id, _ = make_user()
    try:
        with app.app_context():
            task_id = queued_task(user_id)
            lifecycle.mark_processing(task_id)
            ranges.split_task(task_id, 8)
            ranges.start_range(task_id, 1)
            server.stop()

            assert ranges.finish_range(task_id, 1, 8) is False

            assert statuses(task_id) == ["done", "sent", "sent", "waiting"]
            with db.session() as session:
                assert session.get(Task, task_id).status is TaskStatus.PROCESSING
    finally:
        server.stop()
