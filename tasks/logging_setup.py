"""The worker's and beat's logs: ocrapp's format, each record with its OCR task and owner.

Connecting `setup_logging` keeps Celery from configuring logging itself; this module must
be imported before the worker starts (by `tasks/worker.py`).
"""

import logging
from contextvars import ContextVar

from celery._state import get_current_task
from celery.signals import setup_logging, task_prerun
from sqlalchemy import select

from ocrapp.core.db import db
from ocrapp.core.jobs import OCR_TASK_NAME
from ocrapp.core.models import Task
from ocrapp.ops.logs import configure_logging, set_default

log = logging.getLogger(__name__)
# (task id, user id) of the OCR task this worker thread runs, looked up once per task.
_task_owner: ContextVar[tuple[str, int] | None] = ContextVar("task_owner", default=None)


class TaskContextFilter(logging.Filter):
    """Add the running OCR task's id, and its owner's id, to each record made during it."""

    def filter(self, record: logging.LogRecord) -> bool:
        task = get_current_task()
        # Only the OCR task's Celery id is one of our task ids; the reaper's is not.
        if task is not None and task.name == OCR_TASK_NAME and task.request.id:
            set_default(record, "task_id", task.request.id)
            owner = _task_owner.get()
            # A value left by an earlier task on this thread does not apply.
            if owner is not None and owner[0] == task.request.id:
                set_default(record, "user_id", owner[1])
        return True


class ExpectedFailureFilter(logging.Filter):
    """Drop Celery's line for a task that failed on its input: ours says it, with the code.

    Celery logs an error in a task's `throws` at INFO with its traceback in `data`;
    `tasks.signals.on_task_failure` logs one WARNING line with the error's code instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        data = getattr(record, "data", None)
        return not (isinstance(data, dict) and data.get("description") == "raised expected")


@setup_logging.connect
def configure_worker_logging(loglevel=None, logfile=None, **_) -> None:
    """Log as LOG_FORMAT says, to the worker's --logfile if it has one, else to stderr."""
    handler = logging.FileHandler(logfile) if logfile else None
    configure_logging(loglevel or logging.INFO, TaskContextFilter(), handler=handler)
    logging.getLogger("celery.app.trace").addFilter(ExpectedFailureFilter())


@task_prerun.connect
def remember_task_owner(task_id=None, task=None, **_) -> None:
    """Look up once who owns the OCR task about to run, for its log records."""
    if task is None or task.name != OCR_TASK_NAME:
        return
    try:
        with db.session() as session:
            user_id = session.scalar(select(Task.user_id).where(Task.id == task_id))
        _task_owner.set((task_id, user_id))
    except Exception:
        log.exception("could not look up the owner of task %s", task_id)
