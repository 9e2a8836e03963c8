"""Taking an upload: checked, stored, recorded, announced and enqueued, in that order."""

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ocrapp.core import lifecycle
from ocrapp.core.capabilities import check_request
from ocrapp.core.db import db
from ocrapp.core.errors import QuotaExceeded, TooManyTasks
from ocrapp.core.intake import inspect_upload
from ocrapp.core.jobs import enqueue_ocr
from ocrapp.core.models import File, Result, Task, TaskPage, TaskStatus
from ocrapp.core.scheduling import hold_user, queue_kind
from ocrapp.core.storage import get_storage
from ocrapp.core.task_view import TaskView

MEGABYTE = 1024 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submission:
    """A task taken from an upload, or the earlier one of the same Idempotency-Key."""

    task: TaskView
    replayed: bool = False


def submit(
    upload, user_id: int, engine: str | None, options: dict, key: str | None = None
) -> Submission:
    """Take `upload` for OCR, within the user's limits; once per Idempotency-Key `key`."""
    config = current_app.config
    if key and (earlier := find_submitted(user_id, key)):
        return Submission(earlier, replayed=True)
    engine = engine or config["OCR_ENGINE"]
    check_request(config, engine, options["languages"])
    try:
        task, kind, page_count = record_upload(upload, user_id, engine, options, key)
    except IntegrityError:  # the same key, sent twice at once: the other request won
        if key and (earlier := find_submitted(user_id, key)):
            return Submission(earlier, replayed=True)
        raise
    # Commit, then publish `queued`, then enqueue: the worker's `processing` can only
    # follow the `queued` update, never overtake it. A broker that is down leaves the
    # task in the outbox, still queued, for the reaper to send.
    lifecycle.announce(user_id, task.as_json())
    enqueue_ocr(task.task_id, page_count, kind)
    return Submission(task)


def find_submitted(user_id: int, key: str) -> TaskView | None:
    """Return the user's task made by an earlier upload with Idempotency-Key `key`."""
    with db.session() as session:
        task = session.scalar(
            select(Task).where(Task.user_id == user_id, Task.idempotency_key == key)
        )
        return task and TaskView.of(session, task)


def record_upload(
    upload, user_id: int, engine: str, options: dict, key: str | None
) -> tuple[TaskView, str, int]:
    """Store the upload and commit its queued task; return it, its queue and its pages."""
    config = current_app.config
    data = upload.read()
    # The user's limits first: a user at one costs no inspection, however hostile the file.
    # One read, outside any transaction: the check that counts comes under the lock.
    with db.autocommit() as session:
        check_user_limits(session, user_id, len(data), config)
    file = inspect_upload(data, upload.filename, user_id, config)
    storage = get_storage(config)
    try:
        # Stored before the user's lock is taken: a slow store holds no lock or transaction.
        storage.put(file.storage_key, data, file.content_type)
        with db.session() as session:
            priority_user = hold_user(session, user_id)
            # Again under the user's lock: uploads racing past the first check.
            check_user_limits(session, user_id, len(data), config)
            kind = queue_kind(file.page_count, priority_user, engine, config)
            task = lifecycle.create_task(session, user_id, file, engine, options, key, kind)
            view = TaskView.of(session, task)
    except BaseException:
        # Nothing recorded, so nothing kept: a store whose answer was lost may hold it.
        forget_upload(storage, file.storage_key)
        raise
    return view, kind, file.page_count


def forget_upload(storage, storage_key: str) -> None:
    """Remove an upload no task was recorded for; a store still away leaves it, logged."""
    try:
        storage.delete(storage_key)
    except Exception as error:  # the store's own failure is the one the caller reports
        log.warning("upload %s not removed: %r", storage_key, error)


def check_user_limits(session, user_id: int, size: int, config) -> None:
    """Refuse an upload of `size` bytes beyond the user's tasks in flight or quota.

    One query reads both, for it runs twice per upload (before and under the user's lock).
    """
    in_flight, stored = session.execute(USER_LIMITS, {"user_id": user_id}).one()
    limit = config["MAX_TASKS_IN_FLIGHT"]
    if in_flight >= limit:
        message = f"You have {in_flight} tasks queued or processing; the limit is {limit}."
        raise TooManyTasks(message, retry_after=30)
    limit_mb = config["MAX_STORED_MB"]
    if stored + size > limit_mb * MEGABYTE:
        message = f"Your files and their results would take over {limit_mb} MB, the most allowed."
        raise QuotaExceeded(message, retry_after=3600)


def tasks_in_flight(user_id: int) -> Select:
    """The count of the user's queued and processing tasks."""
    return (
        select(func.count())
        .select_from(Task)
        .where(
            Task.user_id == user_id,
            Task.status.in_([TaskStatus.QUEUED, TaskStatus.PROCESSING]),
        )
    )


def stored_bytes(user_id: int) -> ColumnElement:
    """The bytes of the user's uploads and of what their tasks produced."""
    # What the tasks produce counts too: a small upload can make a large searchable PDF.
    sums = [
        select(func.coalesce(func.sum(File.size_bytes), 0)).where(File.user_id == user_id),
        select(func.coalesce(func.sum(TaskPage.size_bytes), 0))
        .join(Task, TaskPage.task_id == Task.id)
        .where(Task.user_id == user_id),
        select(func.coalesce(func.sum(Result.size_bytes), 0))
        .join(Task, Result.task_id == Task.id)
        .where(Task.user_id == user_id),
    ]
    files, pages, results = (part.scalar_subquery() for part in sums)
    return files + pages + results


# Built once: building it cost more than running it.
USER_LIMITS = select(
    tasks_in_flight(bindparam("user_id")).scalar_subquery(), stored_bytes(bindparam("user_id"))
)
