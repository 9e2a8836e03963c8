"""The reaper, called directly on the test database: stuck tasks fail, young ones are left."""

import time
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.dialects import postgresql

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.liveness import heartbeat_seconds
from ocrapp.core.models import Task, TaskStatus, utcnow
from ocrapp.core.storage import get_storage, result_key
from tasks.reaper import STUCK_GRACE, delete_expired, expired_tasks, fail_stuck, resume_dead
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
