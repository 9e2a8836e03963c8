"""Status transitions: written to the database, then published on Redis."""

import json
from datetime import datetime

import pytest
import redis
from sqlalchemy import select

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import File, FileType, Task, TaskStatus, as_utc, new_id
from ocrapp.realtime.events import channel
from tests.conftest import on_both_databases
from tests.factories import queued_task


@pytest.fixture
def task_id(app, make_user):
    user_id, _ = make_user()
    return queued_task(user_id)


@pytest.fixture
def published(app):
    """Subscribe to the update channel; return a function giving the next message."""
    pubsub = redis.Redis.from_url(app.config["REDIS_URL"]).pubsub()
    pubsub.subscribe(channel(app.config["EVENT_NAMESPACE"]))
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"

    def next_message() -> dict:
        item = pubsub.get_message(timeout=5)
        assert item is not None, "nothing published"
        return json.loads(item["data"])

    yield next_message
    pubsub.close()


# A file as tests.factories.queued_task records it.
FILE = {
    "stored_filename": "a.png",
    "file_type": FileType.IMAGE,
    "content_type": "image/png",
    "storage_key": "users/1/uploads/a.png",
    "size_bytes": 1,
    "sha256": "0" * 64,
}


def load(task_id: str) -> Task:
    with db.session() as session:
        return session.get(Task, task_id)


def test_each_transition_is_stored_then_published(app, task_id, published):
    with app.app_context():
        lifecycle.mark_processing(task_id)
        assert published()["message"]["data"]["status"] == "processing"
        assert load(task_id).attempts == 1
        lifecycle.report_progress(task_id, 55, "Half way")
        progress = published()["message"]["data"]
        assert (progress["progress"], progress["message"]) == (55, "Half way")
        lifecycle.mark_completed(task_id)
        message = published()["message"]
    assert message["type"] == "task_update"
    assert message["data"]["status"] == "completed"
    assert message["timestamp"].endswith("Z")
    task = load(task_id)
    assert task.status is TaskStatus.COMPLETED and task.finished_at is not None


def test_a_completed_task_stands_at_its_last_page(app, task_id, published):
    # A PDF whose second page came from its text layer ended "page 1 of 2".
    with app.app_context():
        lifecycle.mark_processing(task_id)
        lifecycle.report_progress(task_id, 50, "Page 1 of 2", page=1, page_count=2)
        lifecycle.mark_completed(task_id)
        for _ in range(3):
            data = published()["message"]["data"]
    assert (data["status"], data["page"], data["pageCount"]) == ("completed", 2, 2)
    assert load(task_id).page == 2


def test_failure_carries_a_readable_error(app, task_id, published):
    with app.app_context():
        lifecycle.mark_processing(task_id)
        published()
        lifecycle.mark_failed(task_id, "invalid_image", "The image could not be decoded.")
        data = published()["message"]["data"]
    assert data["error"] == {"code": "invalid_image", "message": "The image could not be decoded."}
    assert load(task_id).status is TaskStatus.FAILED


@on_both_databases
def test_a_finished_task_does_not_change_again(app, task_id):
    with app.app_context():
        lifecycle.mark_processing(task_id)
        lifecycle.mark_completed(task_id)
        assert lifecycle.mark_processing(task_id) is None
        assert lifecycle.mark_failed(task_id, "late", "too late") is None
    assert load(task_id).status is TaskStatus.COMPLETED


@on_both_databases
def test_progress_is_only_recorded_while_processing(app, task_id):
    with app.app_context():
        assert lifecycle.report_progress(task_id, 50, "early") is None
    assert load(task_id).progress == 0


@on_both_databases
def test_the_database_is_written_even_when_redis_is_down(app, task_id):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    with app.app_context():
        assert lifecycle.mark_processing(task_id) is not None
    assert load(task_id).status is TaskStatus.PROCESSING


@on_both_databases
def test_a_new_task_is_stored_as_the_orm_would_store_it(app, make_user):
    user_id, _ = make_user()
    with app.app_context():
        with db.session() as session:
            file = File(id=new_id(), user_id=user_id, original_filename="a.png", **FILE)
            built = lifecycle.create_task(session, user_id, file, "tesseract", {}, "key-1")
            session.commit()
        orm_id = queued_task(user_id, "a.png")
        with db.session() as session:
            stored, by_orm = session.get(Task, built.id), session.get(Task, orm_id)
            # Each column set as the ORM's flush sets it, and the returned task says the same.
            for column in Task.__table__.columns:
                if column.key not in {"id", "file_id", "engine", "idempotency_key", "created_at"}:
                    assert getattr(stored, column.key) == getattr(by_orm, column.key), column.key
                value = getattr(stored, column.key)  # SQLite's times come back naive, in UTC
                value = as_utc(value) if isinstance(value, datetime) else value
                assert getattr(built, column.key) == value, column.key
            assert stored.file.created_at is not None and built.file.created_at is not None
            assert (stored.engine, stored.idempotency_key) == ("tesseract", "key-1")
            # Unset columns are SQL NULL, as the ORM leaves them (not a JSON `null`).
            nulls = select(Task.id).where(Task.error.is_(None), Task.started_at.is_(None))
            assert set(session.scalars(nulls.where(Task.id.in_([built.id, orm_id])))) == {
                built.id,
                orm_id,
            }
