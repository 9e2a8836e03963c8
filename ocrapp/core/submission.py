"""Taking an upload: the user's limits checked, the file stored, its queued task recorded."""

from flask import current_app
from sqlalchemy import func, select

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.intake import inspect_upload
from ocrapp.core.models import File, Task, TaskStatus
from ocrapp.core.scheduling import hold_user, queue_kind
from ocrapp.core.storage import get_storage
from ocrapp.web.errors import ApiError

MEGABYTE = 1024 * 1024


def submit_upload(
    upload, user_id: int, engine: str, options: dict, key: str | None
) -> tuple[Task, dict]:
    """Store `upload` and record its queued task within the user's limits.

    Return the task and its `queued` update, which the caller publishes, then enqueues.
    """
    config = current_app.config
    file, data = inspect_upload(upload, user_id, config)
    storage = get_storage(config)
    with db.session() as session:
        priority_user = hold_user(session, user_id)
        check_tasks_in_flight(session, user_id, config["MAX_TASKS_IN_FLIGHT"])
        check_quota(session, user_id, len(data), config["MAX_STORED_MB"])
        storage.put(file.storage_key, data, file.content_type)
        try:
            kind = queue_kind(file.page_count, priority_user, engine, config)
            task = lifecycle.create_task(session, user_id, file, engine, options, key, kind)
            update = lifecycle.task_update_data(session, task)
            session.commit()
        except BaseException:
            storage.delete(file.storage_key)  # nothing recorded, so nothing kept
            raise
    return task, update


def check_tasks_in_flight(session, user_id: int, limit: int) -> None:
    """Answer 429 if the user already has the most queued and processing tasks allowed."""
    in_flight = session.scalar(
        select(func.count())
        .select_from(Task)
        .where(
            Task.user_id == user_id,
            Task.status.in_([TaskStatus.QUEUED, TaskStatus.PROCESSING]),
        )
    )
    if in_flight >= limit:
        message = f"You have {in_flight} tasks queued or processing; the limit is {limit}."
        raise ApiError(429, "too_many_tasks", message, headers={"Retry-After": "30"})


def check_quota(session, user_id: int, size: int, limit_mb: int) -> None:
    """Answer 429 if `size` more bytes would take the user's files over their quota."""
    stored = session.scalar(
        select(func.coalesce(func.sum(File.size_bytes), 0)).where(File.user_id == user_id)
    )
    if stored + size > limit_mb * MEGABYTE:
        message = f"Your files would take over {limit_mb} MB, the most allowed."
        raise ApiError(429, "quota_exceeded", message, headers={"Retry-After": "3600"})
