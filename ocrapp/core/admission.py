"""Whether a task may start now: the one place that decides, for the worker about to run it."""

import logging

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.jobs import try_send_ocr
from ocrapp.core.models import Task, TaskStatus
from ocrapp.core.scheduling import must_wait_turn

log = logging.getLogger(__name__)


def admit(task_id: str, user_concurrency: int) -> Task | None:
    """Start the task and return it, or None: put back in line, finished, or gone.

    A queued task whose user has `user_concurrency` tasks processing while other users'
    tasks wait goes to the back of its queue (fair scheduling); a processing one is a
    run again after a lost worker, and goes on.
    """

    def takes_turn(session, task: Task) -> bool:
        return task.status is not TaskStatus.QUEUED or not must_wait_turn(
            session, task, user_concurrency
        )

    started = lifecycle.mark_processing(task_id, takes_turn)
    if started is not None:
        return started
    with db.session() as session:
        task = session.get(Task, task_id)
        kept = task and (task.status, task.file.page_count, task.queue)
    if kept is None or kept[0] is not TaskStatus.QUEUED:
        log.warning("task %s is %s; nothing to do", task_id, kept and kept[0])
        return None
    if try_send_ocr(task_id, kept[1], kept[2]):
        lifecycle.wait_turn(task_id)
        return None
    return lifecycle.mark_processing(task_id)  # the broker is away: run it now, not never
