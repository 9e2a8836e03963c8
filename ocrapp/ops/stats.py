"""Figures about the service, read from its own records.

The Prometheus collector (`ocrapp/ops/metrics.py`) and the admin route `/api/stats`
(`ocrapp/web/admin.py`) read the same functions, so that they never disagree.
"""

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from ocrapp.core.broker import broker_lists
from ocrapp.core.models import (
    DeliveryStatus,
    File,
    Task,
    TaskStatus,
    WebhookDelivery,
    WebhookEndpoint,
    as_utc,
    utcnow,
)
from ocrapp.core.redis_client import redis_client
from ocrapp.core.scheduling import MEASURED_OVER

log = logging.getLogger(__name__)

INSPECT_SECONDS = 1.0  # how long /api/stats waits for workers to answer


class FinishedTask(NamedTuple):
    """What the figures need of a task that ended in the window."""

    status: TaskStatus
    engine: str
    started_at: datetime | None
    finished_at: datetime
    pages: int
    error: dict | None  # {"code", "message"} of a failed task

    @property
    def run_seconds(self) -> float:
        """Seconds its last run took."""
        return (as_utc(self.finished_at) - as_utc(self.started_at)).total_seconds()


@dataclass(frozen=True)
class HourFigures:
    """What the tasks of the last hour tell."""

    queue_waits: list[float]  # seconds each task started in the hour waited for a worker
    finished: list[FinishedTask]

    def finished_counts(self) -> dict[str, int]:
        """Return the tasks that ended in the hour, by final status."""
        final = [status for status in TaskStatus if status.finished]
        return {status.value: sum(t.status is status for t in self.finished) for status in final}

    def failures_by_code(self) -> dict[str, int]:
        """Return the tasks that failed in the hour, by error code."""
        # Counted here, not in SQL: JSON queries differ between PostgreSQL and SQLite.
        codes: dict[str, int] = defaultdict(int)
        for task in self.finished:
            if task.status is TaskStatus.FAILED:
                codes[(task.error or {}).get("code") or "internal_error"] += 1
        return dict(codes)

    def pages_completed(self) -> int:
        """Return the pages of the tasks completed in the hour."""
        return sum(t.pages for t in self.finished if t.status is TaskStatus.COMPLETED)

    def seconds_per_page(self) -> dict[str, float]:
        """Return each engine's seconds per page over its completed tasks, pages weighted."""
        seconds: dict[str, float] = defaultdict(float)
        pages: dict[str, int] = defaultdict(int)
        for task in self.finished:
            if task.status is TaskStatus.COMPLETED and task.started_at is not None:
                seconds[task.engine] += task.run_seconds
                pages[task.engine] += task.pages
        return {engine: seconds[engine] / pages[engine] for engine in seconds}

    def queue_wait_statistics(self) -> dict[str, float]:
        """Return the mean, median, 95th percentile and longest queue wait; {} if none."""
        if not self.queue_waits:
            return {}
        waits = sorted(self.queue_waits)
        return {
            "mean": sum(waits) / len(waits),
            "p50": nearest_rank(waits, 0.5),
            "p95": nearest_rank(waits, 0.95),
            "max": waits[-1],
        }


def nearest_rank(ordered: list[float], fraction: float) -> float:
    """Return the `fraction` percentile of sorted values, by the nearest-rank method."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def queue_depths(config) -> dict[str, int] | None:
    """Return the messages waiting in each queue; None unless the broker is Redis."""
    if (lists := broker_lists(config)) is None:
        return None
    with redis_client(config["BROKER_URL"]).pipeline(transaction=False) as pipe:
        for keys in lists.values():
            for key in keys:
                pipe.llen(key)
        lengths = iter(pipe.execute())
    return {name: sum(next(lengths) for _ in keys) for name, keys in lists.items()}


def tasks_by_status(session) -> dict[str, int]:
    """Return how many tasks there are in each status, zeros included."""
    counts = dict(session.execute(select(Task.status, func.count()).group_by(Task.status)).all())
    return {status.value: counts.get(status, 0) for status in TaskStatus}


def webhook_deliveries_by_status(session) -> dict[str, int]:
    """Return how many webhook deliveries are kept in each status, zeros included."""
    status = WebhookDelivery.status
    counts = dict(session.execute(select(status, func.count()).group_by(status)).all())
    return {value.value: counts.get(value, 0) for value in DeliveryStatus}


def disabled_webhook_endpoints(session) -> int:
    """Return how many webhook endpoints are disabled."""
    return session.scalar(select(func.count()).where(WebhookEndpoint.enabled.is_(False)))


def last_hour(session, now: datetime | None = None) -> HourFigures:
    """Read the tasks that started or ended in the hour up to `now`."""
    since = (now or utcnow()) - MEASURED_OVER
    # A task run again (a lost worker, a transient error) counts the wait of its last run.
    started = session.execute(
        select(Task.created_at, Task.started_at).where(Task.started_at >= since)
    )
    # Pages as the task counted them, else as counted at upload.
    pages = func.coalesce(Task.page_count, File.page_count, 1)
    finished = session.execute(
        select(Task.status, Task.engine, Task.started_at, Task.finished_at, pages, Task.error)
        .join(File, Task.file_id == File.id)
        .where(Task.finished_at >= since)
    )
    return HourFigures(
        queue_waits=[(as_utc(end) - as_utc(start)).total_seconds() for start, end in started],
        finished=[FinishedTask(*row) for row in finished],
    )


def workers(celery_app) -> list[dict]:
    """Return the workers that answer within INSPECT_SECONDS, with the queues they consume."""
    try:
        answers = celery_app.control.inspect(timeout=INSPECT_SECONDS).active_queues() or {}
    except Exception as error:  # kombu raises several kinds when the broker is away
        log.warning("could not ask the workers for their queues: %r", error)
        answers = {}
    return [
        {"name": name, "queues": sorted(queue["name"] for queue in queues)}
        for name, queues in sorted(answers.items())
    ]


def throughput_json(hour: HourFigures) -> dict:
    """Describe the last hour's work for the API."""
    pages = hour.pages_completed()
    return {
        "tasksStarted": len(hour.queue_waits),
        "tasksFinished": hour.finished_counts(),
        "failuresByCode": hour.failures_by_code(),
        "pagesCompleted": pages,
        "pagesPerMinute": round(pages / (MEASURED_OVER.total_seconds() / 60), 3),
        "queueWaitSeconds": hour.queue_wait_statistics(),
        "secondsPerPage": hour.seconds_per_page(),
    }
