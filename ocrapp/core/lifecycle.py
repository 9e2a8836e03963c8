"""Task status transitions: each one is written to the database first, then published."""

import logging
import time
from typing import Any

import redis
from flask import current_app
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from ocrapp.core.db import db
from ocrapp.core.models import File, Task, TaskPage, TaskStatus, new_id, new_row, utcnow
from ocrapp.core.runs import Run, check_owner, new_run_token
from ocrapp.core.scheduling import SMALL
from ocrapp.core.task_view import TaskView
from ocrapp.realtime.events import publish_task_update
from ocrapp.webhooks.events import record_status_event

log = logging.getLogger(__name__)

MESSAGES = {
    TaskStatus.QUEUED: "Waiting for a worker",
    TaskStatus.PROCESSING: "OCR processing started",
    TaskStatus.COMPLETED: "OCR completed",
    TaskStatus.FAILED: "OCR failed",
    TaskStatus.CANCELLED: "Cancelled",
}
WAITING_TURN = "Waiting: other users' tasks go first while yours are processing"
LOST_WORKER = "Waiting for a worker: the one reading it stopped"
CANCELLING = "Cancelling: the current page is finished first"
# How long a final update is tried again while Redis is away (a restart takes a second).
FINAL_PUBLISH_SECONDS = 5.0


def task_update_data(session, task: Task) -> dict[str, Any]:
    """Describe `task` as the `data` of a `task_update` message: the task as the API shows it."""
    return TaskView.of(session, task).as_json()


def create_task(
    session,
    user_id: int,
    file: File,
    engine: str,
    options: dict,
    key: str | None = None,
    queue: str = SMALL,
) -> Task:
    """Add a new queued task for `file`, and the file's row; the caller commits, then calls
    `announce`. Two INSERTs built once, not the ORM's flush, which cost more than both."""
    file_row = new_row(file)
    task = Task(
        id=new_id(),
        user_id=user_id,
        file_id=file.id,
        file=file,
        queue=queue,
        engine=engine,
        options=options,
        idempotency_key=key,
        status=TaskStatus.QUEUED,
        message=MESSAGES[TaskStatus.QUEUED],
    )
    session.execute(INSERT_FILE, file_row)
    session.execute(INSERT_TASK, new_row(task))
    return task


INSERT_FILE = insert(File.__table__)
INSERT_TASK = insert(Task.__table__)


def locked_task(session, task_id: str) -> Task | None:
    """Lock the task's row until commit, and return it (None if there is none).

    A write first: SQLite takes its lock on writes only (SELECT ... FOR UPDATE elsewhere).
    """
    session.execute(update(Task).where(Task.id == task_id).values(attempts=Task.attempts))
    return session.get(Task, task_id, with_for_update=True, populate_existing=True)


def _publish(user_id: int, data: dict[str, Any]) -> None:
    """Publish an update; the database already holds it, so a Redis outage is only logged.

    A final update is tried again for FINAL_PUBLISH_SECONDS: no later one would tell the
    task's sockets how it ended (a Redis restart at that moment lost one in the chaos run).
    Past that, the task is marked for the reaper to publish once Redis is back.
    """
    final = TaskStatus(data["status"]).finished
    deadline, delay = time.monotonic() + (FINAL_PUBLISH_SECONDS if final else 0), 0.1
    while True:
        try:
            publish_task_update(current_app.config, user_id, data)
            return
        except redis.RedisError as error:
            if time.monotonic() + delay > deadline:
                log.warning("task %s: update not published: %s", data["taskId"], error)
                if final:
                    _mark_unpublished(data["taskId"])
                return
        time.sleep(delay)
        delay = min(2 * delay, 1.0)


def _mark_unpublished(task_id: str) -> None:
    """Leave the task for the reaper to publish (`republish_missed`); logged if the
    database is away too."""
    try:
        with db.autocommit() as session:
            session.execute(MARK_UNPUBLISHED, {"task_id": task_id})
    except SQLAlchemyError as error:
        log.warning("task %s: final update neither published nor kept: %s", task_id, error)


_unpublished = update(Task.__table__).where(Task.__table__.c.id == bindparam("task_id"))
MARK_UNPUBLISHED = _unpublished.values(update_unpublished=True)
MARK_PUBLISHED = _unpublished.values(update_unpublished=False)


def republish_missed(limit: int) -> int:
    """Publish the state of up to `limit` tasks whose final update Redis missed; return
    how many. Stops at the first that Redis refuses still."""
    published = 0
    with db.session() as session:
        tasks = session.scalars(
            select(Task)
            .where(Task.update_unpublished)
            .with_for_update(skip_locked=True, of=Task)
            .limit(limit)
        ).all()
        for task in tasks:
            try:
                publish_task_update(
                    current_app.config, task.user_id, task_update_data(session, task)
                )
            except redis.RedisError as error:
                log.warning("task %s: update still not published: %s", task.id, error)
                break
            # On the table: a task deleted meanwhile (SQLite locks no rows) matches none.
            session.execute(MARK_PUBLISHED, {"task_id": task.id})
            published += 1
    return published


def _set_status(task: Task, status: TaskStatus) -> None:
    """Set the task's status and its message, and when a final one was reached."""
    task.status, task.message = status, MESSAGES[status]
    if status.finished:
        task.finished_at = utcnow()


def _transition(task_id: str, change, allowed: set[TaskStatus], guard=None) -> Task | None:
    """Apply `change` to the task if its status is in `allowed`, commit, then publish.

    `guard(session, task)`, if given, may still refuse the change by returning False.
    """
    with db.session() as session:
        task = session.get(Task, task_id, with_for_update=True)
        if task is None or task.status not in allowed:
            log.info("task %s: no transition from %s", task_id, task and task.status)
            return None
        if guard is not None and not guard(session, task):
            return None
        before = task.status
        change(task)
        session.flush()
        user_id, data = task.user_id, task_update_data(session, task)
        if task.status is not before:  # its webhooks are kept with the change, or neither
            record_status_event(session, user_id, data)
    _publish(user_id, data)
    return task


def announce(user_id: int, data: dict[str, Any]) -> None:
    """Publish a new task's `queued` update (`task_update_data`), once it is committed."""
    _publish(user_id, data)


def mark_processing(task_id: str, may_start=None) -> Task | None:
    """Record that a worker started the task (again, after a lost worker), with a new
    run token: an earlier run still going stops at its next checkpoint (`runs`).

    `may_start(session, task)`, under the task's lock, may still keep it queued: None.
    """

    def change(task: Task) -> None:
        _set_status(task, TaskStatus.PROCESSING)
        task.progress = 0
        task.attempts += 1
        task.started_at = utcnow()
        task.run_token = new_run_token()

    return _transition(task_id, change, {TaskStatus.QUEUED, TaskStatus.PROCESSING}, guard=may_start)


def requeue_lost(task_id: str) -> Task | None:
    """Put back in line a processing task whose worker was lost, to be sent again: the
    next run keeps its stored pages, and counts an attempt."""

    def change(task: Task) -> None:
        _set_status(task, TaskStatus.QUEUED)
        task.message = LOST_WORKER
        task.enqueued_at = utcnow()
        task.run_token = None  # the lost run, should it still go on, holds it no more

    return _transition(task_id, change, {TaskStatus.PROCESSING})


def wait_turn(task_id: str) -> Task | None:
    """Record that a queued task was put back behind other users' tasks (fair scheduling)."""

    def change(task: Task) -> None:
        task.message = WAITING_TURN

    return _transition(task_id, change, {TaskStatus.QUEUED})


def report_progress(
    task_id: str,
    progress: int,
    message: str,
    page: int | None = None,
    page_count: int | None = None,
    run: Run | None = None,
) -> Task | None:
    """Record how far a running task has come, and on which page; RunSuperseded if `run`
    no longer holds it."""

    def change(task: Task) -> None:
        task.progress = max(0, min(100, progress))
        task.message = message
        if page_count is not None:
            task.page, task.page_count = page, page_count

    def held(session, _task: Task) -> bool:
        check_owner(session, run)
        return True

    return _transition(task_id, change, {TaskStatus.PROCESSING}, guard=held)


def record_page_done(session, task: Task, page: int, page_count: int) -> None:
    """Count a split task's page, just stored in `session`, in its progress: the percentage
    counts pages done.

    The caller holds the task's row lock (`locked_task`), and the update is published
    before commit: ranges storing pages at once count and publish in turn, so the count
    never goes back on the socket.
    """
    if task.status is not TaskStatus.PROCESSING:
        return
    done = session.scalar(select(func.count()).where(TaskPage.task_id == task.id))
    task.progress = max(task.progress, min(99, 100 * done // page_count))
    task.page, task.page_count = page, page_count
    task.message = f"Page {page} of {page_count} done ({done} of {page_count} pages)"
    session.flush()
    _publish(task.user_id, task_update_data(session, task))


def mark_completed(task_id: str) -> Task | None:
    """Record that the task finished and its result is stored."""

    def change(task: Task) -> None:
        _set_status(task, TaskStatus.COMPLETED)
        task.progress = 100
        task.error = None
        if task.page_count:  # pages read from a text layer report no progress of their own
            task.page = task.page_count

    return _transition(task_id, change, {TaskStatus.PROCESSING})


def mark_failed(task_id: str, code: str, message: str) -> Task | None:
    """Record that the task failed, with an error a user can read."""

    def change(task: Task) -> None:
        _set_status(task, TaskStatus.FAILED)
        task.error = {"code": code, "message": message}

    return _transition(task_id, change, {TaskStatus.QUEUED, TaskStatus.PROCESSING})


def request_cancel(task_id: str) -> Task | None:
    """Cancel a queued task now, or ask a running one to stop at its next page boundary."""

    def change(task: Task) -> None:
        if task.status is TaskStatus.QUEUED:
            _set_status(task, TaskStatus.CANCELLED)
        else:
            task.cancel_requested = True
            task.message = CANCELLING

    return _transition(task_id, change, {TaskStatus.QUEUED, TaskStatus.PROCESSING})


def mark_cancelled(task_id: str) -> Task | None:
    """Record that a running task stopped because it was cancelled."""

    def change(task: Task) -> None:
        _set_status(task, TaskStatus.CANCELLED)

    return _transition(task_id, change, {TaskStatus.PROCESSING})


def active_task_updates(session, user_id: int) -> list[dict[str, Any]]:
    """Describe each of the user's unfinished tasks, oldest first, for a socket snapshot.

    In a few queries however many tasks the user has waiting: every handshake reads it.
    """
    tasks = session.scalars(
        select(Task)
        .options(selectinload(Task.file))
        .where(
            Task.user_id == user_id,
            Task.status.in_([TaskStatus.QUEUED, TaskStatus.PROCESSING]),
        )
        .order_by(Task.created_at)
    ).all()
    return [view.as_json() for view in TaskView.many(session, tasks)]
