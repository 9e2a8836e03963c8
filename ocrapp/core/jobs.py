"""The Celery app, built from the Flask config, and the one call that enqueues OCR work."""

import logging

from celery import Celery, group
from celery import Task as CeleryTask
from flask import Flask, current_app
from sqlalchemy import bindparam, update

from ocrapp.config import VISIBILITY_TIMEOUT
from ocrapp.core.db import db
from ocrapp.core.models import Task, utcnow
from ocrapp.core.scheduling import PRIORITY, SMALL, queue_name

log = logging.getLogger(__name__)

OCR_TASK_NAME = "ocrapp.recognize_file"
REAP_TASK_NAME = "ocrapp.reap"
WEBHOOK_SEND_TASK_NAME = "ocrapp.send_webhook"
WEBHOOK_SWEEP_TASK_NAME = "ocrapp.sweep_webhooks"
RANGE_TASK_NAME = "ocrapp.recognize_range"
# What an OCR task returns, for the signal handlers: its file was split into ranges (the
# task is not completed yet), or this range assembled the result (the task is).
SPLIT, ASSEMBLED = "split", "assembled"


def celery_settings(config) -> dict:
    """Return every Celery setting for a Flask `config`."""
    return {
        **config["CELERY"],
        "broker_url": config["BROKER_URL"],
        "task_default_queue": queue_name(config, SMALL),
        # The reaper is quick and must not wait behind OCR: every pool serves priority first.
        # Webhooks go out from a queue of their own: OCR work never delays them.
        "task_routes": {
            REAP_TASK_NAME: {"queue": queue_name(config, PRIORITY)},
            WEBHOOK_SEND_TASK_NAME: {"queue": config["WEBHOOK_QUEUE"]},
            WEBHOOK_SWEEP_TASK_NAME: {"queue": config["WEBHOOK_QUEUE"]},
        },
        "worker_max_memory_per_child": config["WORKER_MAX_RSS_MB"] * 1024,  # in KiB
        "beat_schedule": {
            "reap": {"task": REAP_TASK_NAME, "schedule": config["REAPER_INTERVAL"]},
            "sweep-webhooks": {
                "task": WEBHOOK_SWEEP_TASK_NAME,
                "schedule": config["WEBHOOK_SWEEP_INTERVAL"],
            },
        },
    }


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app from the Flask config; its tasks run in an app context."""

    class FlaskTask(CeleryTask):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(app.config))
    celery_app.set_default()
    celery_app.flask_app = app
    app.extensions["celery"] = celery_app
    return celery_app


def time_limit(page_count: int | None) -> int:
    """Return the seconds a task of `page_count` pages may run before it is stopped.

    Files from before pages were counted at upload have none: they count as one page.
    """
    config = current_app.config
    limit = config["TASK_TIME_LIMIT_BASE"] + config["TASK_TIME_LIMIT_PER_PAGE"] * (page_count or 1)
    # Below the broker's visibility timeout, so that a running task is never redelivered.
    return min(limit, VISIBILITY_TIMEOUT - 3600)


def send_ocr(task_id: str, page_count: int | None, kind: str) -> None:
    """Hand the OCR task for `task_id` to the broker, on its kind's queue, with its limit."""
    current_app.extensions["celery"].send_task(
        OCR_TASK_NAME,
        args=[task_id],
        task_id=task_id,
        queue=queue_name(current_app.config, kind),
        time_limit=time_limit(page_count),
    )


def range_celery_id(task_id: str, first: int) -> str:
    """Return the Celery task id of the task's range that starts at page `first`."""
    return f"{task_id}:{first}"


def send_ranges(task_id: str, bounds: list[tuple[int, int]], page_count: int, kind: str) -> None:
    """Send page ranges (first, last) of a split task, as one Celery group, each with the
    time limit of its pages; plus a second per page of the file, for the last range's
    assembly of the result."""
    celery_app = current_app.extensions["celery"]
    signatures = [
        celery_app.signature(
            RANGE_TASK_NAME,
            args=[task_id, first, last, page_count],
            task_id=range_celery_id(task_id, first),
            queue=queue_name(current_app.config, kind),
            time_limit=time_limit(last - first + 1) + page_count,
        )
        for first, last in bounds
    ]
    group(signatures).apply_async()


def try_send_ocr(task_id: str, page_count: int | None, kind: str) -> bool:
    """Send the OCR task as `send_ocr` does; False, logged, if the broker cannot take it."""
    try:
        send_ocr(task_id, page_count, kind)
    except Exception as error:  # kombu raises several kinds when the broker is away
        log.warning("task %s: the broker did not take it: %r", task_id, error)
        return False
    return True


def try_send_ranges(
    task_id: str, bounds: list[tuple[int, int]], page_count: int, kind: str
) -> bool:
    """Send ranges as `send_ranges` does; False, logged, if the broker cannot take them.

    They stay `sent`: the reaper sends again a sent range the broker does not hold
    (`LOST_AFTER`). A broker away as a range finished had failed the whole task.
    """
    try:
        send_ranges(task_id, bounds, page_count, kind)
    except Exception as error:  # kombu raises several kinds when the broker is away
        log.warning("task %s: the broker did not take ranges %s: %r", task_id, bounds, error)
        return False
    return True


def enqueue_ocr(task_id: str, page_count: int, kind: str) -> bool:
    """Send the OCR task for `task_id` (committed already); False if the broker is down.

    A task the broker did not take stays in the outbox (`enqueued_at` is None) until
    the reaper sends it.
    """
    if not try_send_ocr(task_id, page_count, kind):
        return False
    with db.autocommit() as session:  # one statement: no BEGIN, no COMMIT
        session.execute(MARK_ENQUEUED, {"task_id": task_id, "now": utcnow()})
    return True


# Built once, on the table: the ORM's update path costs more than the round trip.
_tasks = Task.__table__
MARK_ENQUEUED = (
    update(_tasks).where(_tasks.c.id == bindparam("task_id")).values(enqueued_at=bindparam("now"))
)
