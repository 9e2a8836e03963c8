"""A task's final update reaches the update history through a Redis restart, and through a
longer outage by the reaper."""

import threading

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import Task
from ocrapp.realtime.events import history
from tests.conftest import on_both_databases
from tests.factories import queued_task
from tests.servers import Redis


def test_a_final_update_is_published_once_redis_is_back(app, tmp_path):
    server = Redis(tmp_path)
    server.start()
    config = {**app.config, "REDIS_URL": server.url}
    server.stop()  # Redis restarting as the task ends
    back = threading.Timer(0.5, server.start)
    back.start()
    try:
        with app.app_context():
            app.config["REDIS_URL"] = server.url
            lifecycle._publish(7, {"taskId": "t-1", "status": "completed", "error": None})
        back.join()
        kept = history(config, 7)
        assert [message["data"]["taskId"] for message in kept] == ["t-1"]
    finally:
        back.join()
        server.stop()


@on_both_databases
def test_a_final_update_redis_missed_for_longer_is_published_by_the_reaper(
    app, make_user, tmp_path, monkeypatch
):
    user_id, _ = make_user()
    task_id = queued_task(user_id)
    server = Redis(tmp_path)
    server.start()
    monkeypatch.setattr(lifecycle, "FINAL_PUBLISH_SECONDS", 0.3)
    try:
        with app.app_context():
            app.config["REDIS_URL"] = server.url
            lifecycle.mark_processing(task_id)
            server.stop()  # away for longer than a final update is tried
            lifecycle.mark_completed(task_id)
            assert lifecycle.republish_missed(10) == 0  # still away: kept for the next pass
            server.start()
            assert lifecycle.republish_missed(10) == 1
            assert lifecycle.republish_missed(10) == 0
            kept = history(app.config, user_id)
        # This Redis restarted empty (no persistence): the history holds what came after.
        assert [(m["data"]["taskId"], m["data"]["status"]) for m in kept] == [
            (task_id, "completed")
        ]
        with db.session() as session:
            assert not session.get(Task, task_id).update_unpublished
    finally:
        server.stop()
