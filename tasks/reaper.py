"""The reaper, run by Celery beat: nothing stays queued or processing for ever."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from flask import current_app
from sqlalchemy import Select, select

from ocrapp.core import deletion, lifecycle
from ocrapp.core.broker import abandoned_messages, broker_task_ids, forget_taken
from ocrapp.core.db import db
from ocrapp.core.jobs import REAP_TASK_NAME, time_limit, try_send_ocr
from ocrapp.core.liveness import lost_runs
from ocrapp.core.models import File, Task, TaskStatus, as_utc, utcnow
from ocrapp.core.ranges import STUCK_GRACE, reap_ranges, split_task_ids
from ocrapp.webhooks.delivery import forget_old_deliveries

log = logging.getLogger(__name__)
# Expired tasks deleted per run at most, so that a first run after a long pause stays short.
EXPIRED_PER_RUN = 200
# Tasks whose missed final update is published per run at most, for the same reason.
REPUBLISHED_PER_RUN = 500
FINISHED = [TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED]


def queued_tasks(session, *conditions) -> list[tuple[Task, int | None]]:
    """Lock the queued tasks that match `conditions`; with their page counts."""
    return session.execute(
        select(Task, File.page_count)
        .join(File)
        .where(Task.status == TaskStatus.QUEUED, *conditions)
        .with_for_update(skip_locked=True, of=Task)
    ).all()


def send_all(tasks: list[tuple[Task, int | None]]) -> int:
    """Send each task and record it; stop at the first the broker refuses. Return how many."""
    sent = 0
    for task, page_count in tasks:
        if not try_send_ocr(task.id, page_count, task.queue):
            break
        task.enqueued_at = utcnow()
        sent += 1
    return sent


def send_outbox() -> int:
    """Send the queued tasks the broker did not take when they were submitted."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["OUTBOX_DELAY"])
    with db.session() as session:
        return send_all(queued_tasks(session, Task.enqueued_at.is_(None), Task.created_at < cutoff))


def resend_lost() -> int:
    """Send again the queued tasks that the broker lost (a Redis that restarted empty), or
    that a worker took and died holding (`broker.abandoned_messages`)."""
    config = current_app.config
    cutoff = utcnow() - timedelta(seconds=config["LOST_AFTER"])
    with db.session() as session:
        waiting = queued_tasks(session, Task.enqueued_at < cutoff)
        held = broker_task_ids() if waiting else set()
        if held is None:  # the broker could not say what it holds
            return 0
        queued = {task.id for task, _ in waiting}
        abandoned = abandoned_messages(config, queued, config["LOST_AFTER"]) if waiting else {}
        held -= abandoned.keys()  # a message a worker died holding is held no more
        lost = [(task, pages) for task, pages in waiting if task.id not in held]
        for task, _ in lost:
            gone = "the worker that took it" if task.id in abandoned else "the broker"
            log.warning("task %s: %s lost it; sending it again", task.id, gone)
        sent = send_all(lost)
    forget_taken(config, [abandoned[t.id] for t, _ in lost[:sent] if t.id in abandoned])
    return sent


def resume_dead() -> int:
    """Send again the processing tasks whose worker is lost (`liveness`): the run again
    keeps their stored pages; fail with `worker_lost` those that had MAX_ATTEMPTS runs."""
    config = current_app.config
    with db.session() as session:
        running = session.execute(
            select(Task.id, Task.started_at, Task.attempts, Task.queue, File.page_count)
            .join(File)
            .where(Task.status == TaskStatus.PROCESSING, Task.id.not_in(split_task_ids()))
        ).all()
    lost = lost_runs(config, {row.id: row.started_at for row in running}, utcnow())
    resumed = 0
    for row in running:
        if row.id not in lost:
            continue
        if row.attempts >= config["MAX_ATTEMPTS"]:
            message = "The worker stopped while reading this file, too many times."
            resumed += lifecycle.mark_failed(row.id, "worker_lost", message) is not None
            continue
        log.warning("task %s: its worker is lost; sending it again", row.id)
        if lifecycle.requeue_lost(row.id) is not None:
            resumed += 1  # one the broker does not take, `resend_lost` sends after LOST_AFTER
            try_send_ocr(row.id, row.page_count, row.queue)
    return resumed


def fail_stuck() -> int:
    """Fail the tasks that are still processing long after their time limit (a split
    task's ranges are reaped one by one: `ranges.reap_ranges`)."""
    now, failed = utcnow(), 0
    with db.session() as session:
        running = session.execute(
            select(Task.id, Task.started_at, File.page_count)
            .join(File)
            .where(Task.status == TaskStatus.PROCESSING, Task.id.not_in(split_task_ids()))
        ).all()
    for task_id, started_at, page_count in running:
        deadline = timedelta(seconds=time_limit(page_count)) + STUCK_GRACE
        if started_at and now - as_utc(started_at) > deadline:
            message = "No worker finished the task within its time limit."
            failed += lifecycle.mark_failed(task_id, "worker_lost", message) is not None
    return failed


def expired_tasks(cutoff: datetime) -> Select:
    """Select the ids of a run's worth of tasks finished before `cutoff`, oldest first
    (an ordered range scan of ix_tasks_finished_at)."""
    return (
        select(Task.id)
        .where(Task.status.in_(FINISHED), Task.finished_at < cutoff)
        .order_by(Task.finished_at)
        .limit(EXPIRED_PER_RUN)
    )


def delete_expired() -> int:
    """Delete the tasks finished over RESULT_RETENTION_DAYS ago, with all that is kept of them."""
    days = current_app.config["RESULT_RETENTION_DAYS"]
    if not days:  # kept for ever
        return 0
    with db.session() as session:
        expired = session.scalars(expired_tasks(utcnow() - timedelta(days=days))).all()
    deleted = delete_while_storage_answers(expired)
    if deleted:
        log.info("reaper: %d tasks deleted, finished over %s days ago", deleted, days)
    return deleted


def delete_while_storage_answers(task_ids: list[str]) -> int:
    """Delete the tasks until the storage fails (the next run tries the rest); count them."""
    deleted = 0
    for task_id in task_ids:
        try:
            deleted += deletion.delete_task(task_id)
        except deletion.StorageUnavailable:
            kept = len(task_ids) - deleted
            log.warning("reaper: storage unavailable, %d expired tasks kept till later", kept)
            break
    return deleted


@shared_task(name=REAP_TASK_NAME, ignore_result=True)
def reap() -> None:
    """Send the outbox and lost messages, resume the tasks of lost workers, fail stuck tasks,
    publish the final updates Redis missed, delete expired tasks, forget old webhook
    deliveries."""
    sent, resent = send_outbox(), resend_lost() + resume_dead() + reap_ranges()
    failed = fail_stuck()
    if republished := lifecycle.republish_missed(REPUBLISHED_PER_RUN):
        log.info("reaper: %d final updates that Redis missed published", republished)
    forget_old_deliveries()
    delete_expired()
    if sent or resent or failed:
        log.info(
            "reaper: %d sent from the outbox, %d lost sent again, %d stuck failed",
            sent,
            resent,
            failed,
        )
