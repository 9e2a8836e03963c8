"""Which queue a task goes to, where it stands in it, when it should start, and whose turn it is."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from ocrapp.core.db import seconds_between
from ocrapp.core.models import Task, TaskStatus, User, utcnow

SMALL, LARGE, PRIORITY, GPU = "small", "large", "priority", "gpu"
KINDS = (PRIORITY, SMALL, LARGE, GPU)
# The engines whose tasks go to the GPU queue when it is on (GPU_QUEUE).
GPU_ENGINES = ("easyocr",)
# "Lately", for estimated starts, /metrics and /api/stats: tasks finished this recently.
MEASURED_OVER = timedelta(hours=1)


def queue_kind(page_count: int, priority_user: bool, engine: str, config) -> str:
    """Route a task: a priority user's to `priority`, EasyOCR's to `gpu` where a GPU pool
    serves it (GPU_QUEUE), long files to `large`, others to `small`."""
    if priority_user:
        return PRIORITY
    if config["GPU_QUEUE"] and engine in GPU_ENGINES:
        return GPU
    return LARGE if page_count >= config["LARGE_TASK_PAGES"] else SMALL


def queue_name(config, kind: str) -> str:
    """Return the Celery queue of a kind: `<OCR_QUEUE>.<kind>`."""
    return f"{config['OCR_QUEUE']}.{kind}"


def queue_names(config) -> list[str]:
    """Return every Celery queue tasks are sent to, priority first."""
    return [queue_name(config, kind) for kind in KINDS]


def _queued_before(task: Task):
    """The queued tasks that a worker of the task's queue takes before it, and itself."""
    kinds = {task.queue, PRIORITY}  # every pool serves the priority queue first
    return (
        select(Task)
        .where(Task.status == TaskStatus.QUEUED, Task.queue.in_(kinds))
        .where((Task.queue == PRIORITY) | (Task.created_at <= task.created_at))
    )


def queue_position(session, task: Task) -> int:
    """Return the task's place in its queue (1: next), counting priority tasks ahead of it."""
    return session.scalar(select(func.count()).select_from(_queued_before(task).subquery()))


def seconds_per_task(session, kind: str) -> float | None:
    """Return the mean run time of the queue's tasks finished lately; None if none were.

    Averaged by the database: every queued update asks, so no rows are fetched.
    """
    mean = session.scalar(
        select(func.avg(seconds_between(Task.started_at, Task.finished_at))).where(
            Task.queue == kind,
            Task.status == TaskStatus.COMPLETED,
            Task.finished_at >= utcnow() - MEASURED_OVER,
            Task.started_at.is_not(None),
        )
    )
    return None if mean is None else float(mean)


def estimated_start(session, task: Task, position: int) -> datetime | None:
    """Estimate when a queued task starts, from its position and the queue's throughput.

    The queue's pool is as wide as the number of its tasks processing now (at least one).
    """
    per_task = seconds_per_task(session, task.queue)
    if per_task is None:
        return None
    running = session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.status == TaskStatus.PROCESSING, Task.queue == task.queue)
    )
    return utcnow() + timedelta(seconds=(position - 1) * per_task / max(running, 1))


def hold_user(session, user_id: int) -> bool:
    """Serialise one user's submissions and starts until commit; return their priority.

    A write, not SELECT ... FOR UPDATE: SQLite takes its lock on writes only.
    """
    session.execute(update(User).where(User.id == user_id).values(is_admin=User.is_admin))
    return session.scalar(select(User.priority).where(User.id == user_id))


def _processing_count(user_id):
    """The number of a user's tasks processing (a scalar subquery when `user_id` is a column)."""
    return (
        select(func.count())
        .select_from(Task)
        .where(Task.user_id == user_id, Task.status == TaskStatus.PROCESSING)
        .scalar_subquery()
    )


def must_wait_turn(session, task: Task, user_concurrency: int) -> bool:
    """Whether the task should let other users' queued tasks go first (fair scheduling).

    It does when its user has `user_concurrency` tasks processing already and another
    user, under that count, has a task waiting in the same queue (when everyone waiting is
    at the count, nobody is held back: a free worker must not pass tasks around for
    nothing); 0 turns this off. The user is held until commit, so that two of their tasks
    starting at once count each other.
    """
    if user_concurrency <= 0:
        return False
    hold_user(session, task.user_id)
    if session.scalar(select(_processing_count(task.user_id))) < user_concurrency:
        return False
    waiting = aliased(Task)
    others = select(waiting.id).where(
        waiting.status == TaskStatus.QUEUED,
        waiting.queue == task.queue,
        waiting.user_id != task.user_id,
        _processing_count(waiting.user_id) < user_concurrency,
    )
    return session.scalar(select(others.exists()))
