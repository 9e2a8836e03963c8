"""The reaper, called directly on the test database: stuck tasks fail, young ones are left."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.dialects import postgresql

from ocrapp.core import lifecycle
from ocrapp.core.admission import admit
from ocrapp.core.broker import broker_task_ids
from ocrapp.core.db import db
from ocrapp.core.jobs import send_ocr
from ocrapp.core.liveness import heartbeat_seconds
from ocrapp.core.models import Result, Task, TaskPage, TaskStatus, utcnow
from ocrapp.core.runs import Run, RunSuperseded
from ocrapp.core.scheduling import SMALL, queue_name
from ocrapp.core.storage import get_storage, result_key
from tasks.ocr import recognize_file
from tasks.pages import store_page
from tasks.pipeline.document import Page
from tasks.progress import PageProgress
from tasks.reaper import (
    STUCK_GRACE,
    delete_expired,
    expired_tasks,
    fail_stuck,
    resend_lost,
    resume_dead,
)
from tasks.results import save_result
from tasks.signals import on_task_failure
from tests.brokers import taken_by_a_worker_that_dies
from tests.conftest import on_both_databases
from tests.factories import queued_task, set_task


@on_both_databases
def test_a_task_processing_long_past_its_time_limit_fails_and_a_young_one_does_not(app, make_user):
    user_id, _ = make_user()
    stuck, young = queued_task(user_id), queued_task(user_id)
    with app.app_context():
        lifecycle.mark_processing(stuck)
        lifecycle.mark_processing(young)
        limit = app.config["TASK_TIME_LIMIT_BASE"] + app.config["TASK_TIME_LIMIT_PER_PAGE"]
        long_ago = utcnow() - timedelta(seconds=limit) - STUCK_GRACE - timedelta(minutes=1)
        with db.session() as session:
            session.execute(update(Task).where(Task.id == stuck).values(started_at=long_ago))
        assert fail_stuck() == 1
    with db.session() as session:
        assert session.get(Task, stuck).status is TaskStatus.FAILED
        assert session.get(Task, stuck).error["code"] == "worker_lost"
        assert session.get(Task, young).status is TaskStatus.PROCESSING


def test_a_task_whose_worker_is_lost_is_put_back_in_line_then_fails_after_max_attempts(
    app, make_user
):
    user_id, _ = make_user()
    lost, spent = queued_task(user_id), queued_task(user_id)
    with app.app_context():
        app.config["REAPER_INTERVAL"] = 0.2
        for task_id in (lost, spent):
            lifecycle.mark_processing(task_id)
        long_ago = utcnow() - timedelta(minutes=5)
        set_task(lost, started_at=long_ago)
        set_task(spent, started_at=long_ago, attempts=app.config["MAX_ATTEMPTS"])
        assert resume_dead() == 0  # no heartbeat at one pass: perhaps Redis restarted
        time.sleep(heartbeat_seconds(app.config))
        assert resume_dead() == 2
    with db.session() as session:
        requeued, failed = session.get(Task, lost), session.get(Task, spent)
        assert requeued.status is TaskStatus.QUEUED and requeued.enqueued_at is not None
        assert requeued.message == lifecycle.LOST_WORKER and requeued.attempts == 1
        assert failed.status is TaskStatus.FAILED and failed.error["code"] == "worker_lost"


def test_a_queued_task_whose_message_a_worker_took_and_died_holding_is_sent_again(app, make_user):
    """Found in the chaos run: a worker's main process killed after it took a task's
    message, before the task started, left the message unacknowledged; the reaper took it
    for held by the broker, and the task stayed queued for a day (the visibility timeout)."""
    user_id, _ = make_user()
    task_id, queue = queued_task(user_id), queue_name(app.config, SMALL)
    with app.app_context():
        send_ocr(task_id, 1, "small")
        set_task(task_id, enqueued_at=utcnow())
        assert taken_by_a_worker_that_dies(app.config["BROKER_URL"], queue) == task_id
        app.config["LOST_AFTER"] = 60
        set_task(task_id, enqueued_at=utcnow() - timedelta(minutes=5))
        assert resend_lost() == 0  # taken a moment ago: a live worker starts it soon
        app.config["LOST_AFTER"] = 0
        assert resend_lost() == 1
        assert broker_task_ids(taken=False) == {task_id}  # waiting for a worker again
        assert broker_task_ids() == {task_id}  # the dead worker's copy is gone


def test_a_run_still_going_after_the_reaper_sent_its_task_again_stops_writing_nothing(
    app, make_user
):
    user_id, _ = make_user()
    task_id, page = queued_task(user_id), Page(number=1, width=10, height=10)
    with app.app_context():
        app.config["REAPER_INTERVAL"] = 0.2
        stalled = admit(task_id, app.config["USER_CONCURRENCY"])
        set_task(task_id, started_at=utcnow() - timedelta(minutes=5))  # no heartbeat since
        assert resume_dead() == 0
        time.sleep(heartbeat_seconds(app.config))
        assert resume_dead() == 1
        with pytest.raises(RunSuperseded):  # put back in line: it holds the task no more
            store_page(stalled, page, run=Run.of(stalled))
        resumed = admit(task_id, app.config["USER_CONCURRENCY"])
        with pytest.raises(RunSuperseded):
            PageProgress(Run.of(stalled), 2, 0.0).start_page(2, slow=True)
        with pytest.raises(RunSuperseded):
            store_page(stalled, page, run=Run.of(stalled))
        with pytest.raises(RunSuperseded):
            save_result(stalled, [page], b"%PDF", {}, Run.of(stalled))
        stopped = RunSuperseded("Another run of this task took it over.")
        on_task_failure(sender=recognize_file, exception=stopped, args=[task_id])  # no failure
        store_page(resumed, page, run=Run.of(resumed))
    with db.session() as session:
        task = session.get(Task, task_id)
        assert task.status is TaskStatus.PROCESSING and task.attempts == 2
        assert task.message == lifecycle.MESSAGES[TaskStatus.PROCESSING] and task.page is None
        assert session.query(TaskPage).filter_by(task_id=task_id).count() == 1  # the new run's
        assert session.query(Result).filter_by(task_id=task_id).first() is None


@on_both_databases
def test_tasks_finished_past_the_retention_are_deleted_with_their_files(app, make_user, tmp_path):
    user_id, _ = make_user()
    old, recent, running = queued_task(user_id), queued_task(user_id), queued_task(user_id)
    storage = get_storage(app.config)
    for task_id in (old, recent):
        storage.put(result_key(user_id, task_id, "txt"), b"text", "text/plain")
    long_ago = utcnow() - timedelta(days=31)
    set_task(old, status=TaskStatus.COMPLETED, created_at=long_ago, finished_at=long_ago)
    set_task(recent, status=TaskStatus.FAILED, finished_at=utcnow() - timedelta(days=29))
    set_task(running, status=TaskStatus.PROCESSING, created_at=long_ago)
    with app.app_context():
        assert delete_expired() == 0  # kept for ever by default
        app.config["RESULT_RETENTION_DAYS"] = 30
        assert delete_expired() == 1
    with db.session() as session:
        assert session.get(Task, old) is None
        assert {session.get(Task, t).status for t in (recent, running)} == {
            TaskStatus.FAILED,
            TaskStatus.PROCESSING,
        }
    stored = [str(path) for path in (tmp_path / "storage").rglob("*") if path.is_file()]
    assert not [path for path in stored if old in path] and any(recent in p for p in stored)


def test_the_retention_query_reads_the_finished_at_index_in_order(app):
    query = expired_tasks(utcnow()).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    with db.session() as session:
        connection = session.connection()
        # The table is all but empty here: plans as on a large one, where a full scan or a
        # sort of every expired task costs most.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {query}"))
    assert "Index Scan using ix_tasks_finished_at" in plan, plan
    assert "Sort" not in plan, plan  # read in order, stopped after a run's worth
