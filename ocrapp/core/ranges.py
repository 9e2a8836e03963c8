"""Split tasks: a long file read in page ranges by several worker processes at once.

A task of at least SPLIT_PAGES pages is planned into ranges of RANGE_PAGES pages, one
`task_ranges` row each. At most SPLIT_WIDTH of them are out (sent or running) at once:
each finished range sends the next to the back of its queue, so that other users' tasks
waiting there go first. Every change of a range is made under the task's row lock, so
that exactly one range, the last to finish, assembles the result.
"""

import logging
import os
import socket
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ocrapp.core import lifecycle
from ocrapp.core.broker import abandoned_messages, broker_task_ids, forget_taken
from ocrapp.core.db import db
from ocrapp.core.jobs import range_celery_id, time_limit, try_send_ranges
from ocrapp.core.lifecycle import locked_task
from ocrapp.core.liveness import lost_runs
from ocrapp.core.models import File, RangeStatus, Task, TaskRange, TaskStatus, as_utc, utcnow
from ocrapp.core.runs import Run, check_owner, new_run_token
from ocrapp.core.storage import get_storage, page_image_key

log = logging.getLogger(__name__)
OUT = (RangeStatus.SENT, RangeStatus.RUNNING, RangeStatus.ASSEMBLING)
# Beyond its time limit, a task or range still running has lost its worker (a machine).
STUCK_GRACE = timedelta(minutes=10)


def plan_ranges(page_count: int, range_pages: int) -> list[tuple[int, int]]:
    """Return the (first, last) pages of each range of a file of `page_count` pages."""
    return [
        (first, min(first + range_pages - 1, page_count))
        for first in range(1, page_count + 1, range_pages)
    ]


def should_split(page_count: int, config) -> bool:
    """Whether a file of `page_count` pages is read in ranges (SPLIT_PAGES; 0: never)."""
    return 0 < config["SPLIT_PAGES"] <= page_count


def split_task(task_id: str, page_count: int) -> None:
    """Plan the task's ranges (once: a run again keeps them) and send the first ones."""
    config = current_app.config
    with db.session() as session:
        if locked_task(session, task_id) is None:
            return
        if not session.scalar(select(func.count()).where(TaskRange.task_id == task_id)):
            for first, last in plan_ranges(page_count, config["RANGE_PAGES"]):
                celery_id = range_celery_id(task_id, first)
                session.add(TaskRange(task_id=task_id, first=first, last=last, celery_id=celery_id))
            session.flush()
    send_next_ranges(task_id, page_count)


def _take_next(session, task: Task, width: int) -> list[TaskRange]:
    """Mark waiting ranges sent, up to `width` out at once; return them."""
    if task.status is not TaskStatus.PROCESSING or task.cancel_requested:
        return []
    ranges = session.scalars(
        select(TaskRange).where(TaskRange.task_id == task.id).order_by(TaskRange.first)
    ).all()
    room = width - sum(r.status in OUT for r in ranges)
    taken = [r for r in ranges if r.status == RangeStatus.WAITING][: max(room, 0)]
    for taken_range in taken:
        taken_range.status, taken_range.sent_at = RangeStatus.SENT, utcnow()
    return taken


def send_next_ranges(task_id: str, page_count: int) -> int:
    """Send the task's next waiting ranges, once committed; return how many."""
    with db.session() as session:
        task = locked_task(session, task_id)
        if task is None:
            return 0
        taken = _take_next(session, task, current_app.config["SPLIT_WIDTH"])
        bounds, queue = [(r.first, r.last) for r in taken], task.queue
    if bounds:
        try_send_ranges(task_id, bounds, page_count, queue)
    return len(bounds)


def range_of(session, task_id: str, first: int) -> TaskRange | None:
    """Return the task's range that starts at page `first`."""
    return session.scalar(select(TaskRange).filter_by(task_id=task_id, first=first))


def start_range(task_id: str, first: int) -> tuple[Task, TaskRange] | None:
    """Record a run of the range, with a new run token (`runs`); None if it has nothing
    to do (done, or the task ended).

    The task's `attempts` is the most runs any of its parts took.
    """
    with db.session() as session:
        task = locked_task(session, task_id)
        task_range = task and range_of(session, task_id, first)
        if task_range is None or task_range.status == RangeStatus.DONE:
            return None
        if task.status is not TaskStatus.PROCESSING:
            return None
        task_range.attempts += 1
        task.attempts = max(task.attempts, task_range.attempts)
        task_range.worker = f"{socket.gethostname()}:{os.getpid()}"
        task_range.started_at = utcnow()
        task_range.run_token = new_run_token()
        if task_range.status != RangeStatus.ASSEMBLING:
            task_range.status = RangeStatus.RUNNING
        session.flush()
        session.expunge_all()
        return task, task_range


def finish_range(task_id: str, first: int, page_count: int, run: Run | None = None) -> bool:
    """Record that the range's pages are stored; True if it is the last, to assemble.
    RunSuperseded if `run` no longer holds the range.

    Under the task's lock, so that of two ranges finishing at once, one sees the other done.
    A range that was assembling when its worker was lost assembles again.
    """
    with db.session() as session:
        task = locked_task(session, task_id)
        task_range = task and range_of(session, task_id, first)
        if task_range is None:
            return False
        check_owner(session, run)
        if task_range.status == RangeStatus.ASSEMBLING:
            return True
        task_range.status, task_range.finished_at = RangeStatus.DONE, utcnow()
        session.flush()
        if not session.scalar(
            select(func.count()).where(
                TaskRange.task_id == task_id, TaskRange.status != RangeStatus.DONE
            )
        ):
            task_range.status = RangeStatus.ASSEMBLING
            return True
        taken = _take_next(session, task, current_app.config["SPLIT_WIDTH"])
        bounds, queue = [(r.first, r.last) for r in taken], task.queue
    if bounds:
        try_send_ranges(task_id, bounds, page_count, queue)
    return False


def assembled(task_id: str, first: int, run: Run | None = None) -> None:
    """Record that the assembling range stored the task's result; RunSuperseded if `run`
    no longer holds the range."""
    with db.session() as session:
        task_range = locked_task(session, task_id) and range_of(session, task_id, first)
        if task_range is not None:
            check_owner(session, run)
            task_range.status, task_range.finished_at = RangeStatus.DONE, utcnow()


def split_task_ids():
    """Select the ids of the tasks read in ranges (their ranges are reaped, not the task)."""
    return select(TaskRange.task_id).distinct()


def _lost(task_range: TaskRange, page_count: int, held, dead: set[str], now) -> bool:
    """Whether a range out is lost: sent but no longer in the broker (`held`; None: it
    cannot say) after LOST_AFTER, or running without a live worker (its Celery id in
    `dead`), or long past its time limit (its worker's machine went)."""
    if task_range.status == RangeStatus.SENT:
        waited = now - as_utc(task_range.sent_at)
        lost_after = timedelta(seconds=current_app.config["LOST_AFTER"])
        return waited > lost_after and held is not None and task_range.celery_id not in held
    if task_range.celery_id in dead:
        return True
    pages = task_range.last - task_range.first + 1
    limit = timedelta(seconds=time_limit(pages) + page_count) + STUCK_GRACE
    return now - as_utc(task_range.started_at or task_range.sent_at) > limit


def dead_ranges(out: list[TaskRange], now) -> set[str]:
    """Return the Celery ids of the ranges running whose worker is lost (`liveness`)."""
    started = {r.celery_id: r.started_at for r in out if r.status != RangeStatus.SENT}
    return lost_runs(current_app.config, started, now)


def reap_ranges() -> int:
    """Send again the ranges lost by the broker, by a worker that died holding them, or with
    their worker's machine; fail the task with `worker_lost` when a range has had
    MAX_ATTEMPTS runs. Return how many."""
    config, now, reaped = current_app.config, utcnow(), 0
    with db.session() as session:
        out = session.execute(
            select(TaskRange, File.page_count, Task.queue)
            .join(Task, Task.id == TaskRange.task_id)
            .join(File, File.id == Task.file_id)
            .where(Task.status == TaskStatus.PROCESSING, TaskRange.status.in_(OUT))
        ).all()
    held = broker_task_ids() if out else None
    sent = {r.celery_id for r, _, _ in out if r.status == RangeStatus.SENT}
    abandoned = abandoned_messages(config, sent, config["LOST_AFTER"]) if sent else {}
    if held is not None:  # a message a worker died holding is held no more
        held -= abandoned.keys()
    dead = dead_ranges([task_range for task_range, _, _ in out], now)
    for task_range, page_count, queue in out:
        if not _lost(task_range, page_count or 1, held, dead, now):
            continue
        reaped += 1
        if task_range.attempts >= config["MAX_ATTEMPTS"]:
            message = "No worker finished a range of the task's pages, too many times."
            if lifecycle.mark_failed(task_range.task_id, "worker_lost", message):
                try_remove_page_images(task_range.task_id)  # it will have no result
            continue
        log.warning(
            "task %s: range from page %d lost; sending it again",
            task_range.task_id,
            task_range.first,
        )
        with db.session() as session:
            session.execute(
                update(TaskRange)
                .where(TaskRange.id == task_range.id)
                .values(status=RangeStatus.SENT, sent_at=utcnow(), run_token=None)
            )
        bounds = [(task_range.first, task_range.last)]
        if try_send_ranges(task_range.task_id, bounds, page_count or 1, queue):
            forget_taken(config, [tag] if (tag := abandoned.get(task_range.celery_id)) else [])
    return reaped


def remove_page_images(task_id: str, first: int = 1, last: int | None = None) -> None:
    """Remove the images a split task kept of pages `first`..`last` (to its last range's
    end by default) for its searchable PDF: once that is assembled, or it will not be."""
    with db.session() as session:
        user_id = session.scalar(select(Task.user_id).where(Task.id == task_id))
        if last is None:
            last = session.scalar(
                select(func.max(TaskRange.last)).where(TaskRange.task_id == task_id)
            )
    if user_id is None or last is None:
        return  # deleted (everything it kept went with it), or never split
    storage = get_storage(current_app.config)
    for number in range(first, last + 1):
        storage.delete(page_image_key(user_id, task_id, number))


def try_remove_page_images(task_id: str, first: int = 1, last: int | None = None) -> None:
    """Remove page images as `remove_page_images` does; a store that is away is logged
    (retention or deletion removes them later)."""
    try:
        remove_page_images(task_id, first, last)
    except Exception:
        log.exception("task %s: page images %s to %s not removed", task_id, first, last)
