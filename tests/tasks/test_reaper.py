"""The reaper, called directly on the test database: stuck tasks fail, young ones are left."""

from datetime import timedelta

from sqlalchemy import update

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import Task, TaskStatus, utcnow
from tasks.reaper import STUCK_GRACE, fail_stuck
from tests.conftest import on_both_databases
from tests.factories import queued_task


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
