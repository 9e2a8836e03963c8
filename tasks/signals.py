"""Celery signal handlers: they own the task's status as the worker sees it."""

import contextlib
import logging
import threading
import time

import redis
from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    task_success,
    worker_process_init,
    worker_ready,
)

from ocrapp.core import lifecycle, ranges
from ocrapp.core.capabilities import register_engines
from ocrapp.core.db import db
from ocrapp.core.jobs import ASSEMBLED, OCR_TASK_NAME, RANGE_TASK_NAME, SPLIT
from ocrapp.core.liveness import heartbeat_seconds
from ocrapp.core.memory import limit_memory
from ocrapp.core.runs import RunSuperseded
from ocrapp.core.scheduling import queue_names
from tasks import heartbeat
from tasks.errors import TaskCancelled, describe
from tasks.pipeline.engines import (
    PARTS,
    available_engines,
    limit_threads,
    load_engine,
)

log = logging.getLogger(__name__)


# The tasks whose end changes an OCR task's status: a whole file, or a range of its pages.
# Each takes the OCR task's id first.
OCR_TASKS = (OCR_TASK_NAME, RANGE_TASK_NAME)


def _flask_app(task):
    return task.app.flask_app


@worker_ready.connect
def report_engines(sender=None, **_) -> None:
    """Tell the API which engines and languages this worker has (one that reads files), now
    and then every heartbeat: a Redis that restarted empty had forgotten them, and the API
    refused every engine but the default until the worker restarted."""
    try:
        config = sender.app.flask_app.config
        consumed = set(sender.app.amqp.queues.consume_from)
        if consumed and not consumed & set(queue_names(config)):
            return  # the webhooks process: it reads nothing
        engines = available_engines(config["OCR_DEVICE"])
        register_engines(config, engines)
        log.info("engines: %s", engines)
        again = threading.Thread(
            target=_report_again, args=(config, engines), name="engines report", daemon=True
        )
        again.start()
    except Exception:
        log.exception("could not report this worker's engines")


def _report_again(config, engines: dict[str, dict]) -> None:
    """Report the worker's engines again every heartbeat, for as long as it runs."""
    while True:
        time.sleep(heartbeat_seconds(config))
        with contextlib.suppress(redis.RedisError):  # away: the next beat reports them
            register_engines(config, engines)


@worker_process_init.connect
def prepare_worker_process(**_) -> None:
    """Drop inherited database connections, load the OCR engine, then cap memory."""
    try:
        db.engine.dispose(close=False)
        limit_threads()
        from celery import current_app as celery_app

        config = celery_app.flask_app.config
        for name in PARTS.get(config["OCR_ENGINE"], (config["OCR_ENGINE"],)):
            # As the task asks for it (tasks.ocr): the cache is keyed by the call's form.
            load_engine(name, threads=config["TORCH_THREADS"], device=config["OCR_DEVICE"])
        limit_memory(config["WORKER_MEMORY_MB"])
    except Exception:
        log.exception("could not prepare the worker process")


@task_prerun.connect
def start_heartbeat(sender=None, task_id=None, **_) -> None:
    """Show that an OCR task or range is running here (`ocrapp.core.liveness`)."""
    if sender is None or sender.name not in OCR_TASKS:
        return
    try:
        heartbeat.start(_flask_app(sender).config, task_id)
    except Exception:
        log.exception("task %s: no heartbeat", task_id)


@task_postrun.connect
def stop_heartbeat(sender=None, task_id=None, retval=None, **_) -> None:
    """Stop the run's heartbeat (a retry's message, due later, stands for it meanwhile).

    A superseded run leaves its key to expire: the run that took over beats the same key.
    """
    if sender is None or sender.name not in OCR_TASKS:
        return
    try:
        heartbeat.stop(task_id, remove_key=not isinstance(retval, RunSuperseded))
    except Exception:
        log.exception("task %s: heartbeat not stopped", task_id)


@task_success.connect
def on_task_success(sender=None, result=None, **_) -> None:
    """Mark the task completed once its result is stored (by the last range, if split)."""
    if sender.name not in OCR_TASKS or result == SPLIT:
        return
    if sender.name == RANGE_TASK_NAME and result != ASSEMBLED:
        return
    task_id = sender.request.args[0]
    try:
        with _flask_app(sender).app_context():
            lifecycle.mark_completed(task_id)
    except Exception:
        log.exception("task %s: could not record completion", task_id)


@task_retry.connect
def on_task_retry(sender=None, request=None, reason=None, **_) -> None:
    """Say that the task will be tried again, after a service was unreachable.

    Not for a range: the task's other ranges go on, and its progress counts pages done.
    """
    if sender.name != OCR_TASK_NAME:
        return
    try:
        with _flask_app(sender).app_context():
            message = f"Retrying soon: {type(reason).__name__}"
            lifecycle.report_progress(request.id, 0, message)
    except Exception:
        log.exception("task %s: could not record the retry", request and request.id)


@task_failure.connect
def on_task_failure(sender=None, exception=None, args=None, **_) -> None:
    """Mark the task failed (or cancelled), with an error the user can read; for a range,
    the whole task: its other ranges stop at their next page."""
    if sender.name not in OCR_TASKS:
        return
    task_id = args[0]
    if isinstance(exception, RunSuperseded):  # the run that took over records the status
        log.info("task %s: this run stopped, another holds it", task_id)
        return
    code, message = describe(exception)
    cancelled = isinstance(exception, TaskCancelled)
    level = logging.INFO if cancelled else logging.WARNING
    log.log(level, "task %s ended: %s: %s", task_id, code, message)
    try:
        with _flask_app(sender).app_context():
            if cancelled:
                ended = lifecycle.mark_cancelled(task_id)
            else:
                ended = lifecycle.mark_failed(task_id, code, message)
            if sender.name == RANGE_TASK_NAME:
                # Its page images go: all of them by the range that ended the task, each
                # range still running then its own as it stops.
                _, first, last, _ = args
                bounds = () if ended else (first, last)
                ranges.try_remove_page_images(task_id, *bounds)
    except Exception:
        log.exception("task %s: could not record failure", task_id)
