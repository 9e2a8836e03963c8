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


def _place_in_line(queue, created_at):
    """Count the queued tasks that a worker of `queue` takes before a task created at
    `created_at`, and that task itself: values, or `Task` columns for a correlated count."""
    ahead = aliased(Task)
    return (
        select(func.count())
        .select_from(ahead)
        .where(ahead.status == TaskStatus.QUEUED)
        # every pool serves the priority queue first
        .where(ahead.queue.in_([queue, PRIORITY]))
        .where((ahead.queue == PRIORITY) | (ahead.created_at <= created_at))
    )


def queue_position(session, task: Task) -> int:
    """Return the task's place in its queue (1: next), counting priority tasks ahead of it."""
    return session.scalar(_place_in_line(task.queue, task.created_at))


def queue_positions(session, tasks: list[Task]) -> dict[str, int]:
    """Return the place in its queue of each of `tasks`, by id, in one query."""
    if not tasks:
        return {}
    place = _place_in_line(Task.queue, Task.created_at).correlate(Task).scalar_subquery()
    rows = session.execute(select(Task.id, place).where(Task.id.in_([t.id for t in tasks])))
    return {task_id: place for task_id, place in rows}


def queue_rates(session, kinds: set[str]) -> dict[str, tuple[float, int]]:
    """Return, for each queue of `kinds` that finished tasks lately, the mean run time of
    those tasks and the number of its tasks processing now.

    Averaged and counted by the database, in two queries whatever the number of queues.
    """
    means = session.execute(
        select(Task.queue, func.avg(seconds_between(Task.started_at, Task.finished_at)))
        .where(
            Task.queue.in_(kinds),
            Task.status == TaskStatus.COMPLETED,
            Task.finished_at >= utcnow() - MEASURED_OVER,
            Task.started_at.is_not(None),
        )
        .group_by(Task.queue)
    ).all()
    if not means:
        return {}
    running = session.execute(
        select(Task.queue, func.count())
        .where(Task.queue.in_(kinds), Task.status == TaskStatus.PROCESSING)
        .group_by(Task.queue)
    ).all()
    counts = dict(running)
    return {kind: (float(mean), counts.get(kind, 0)) for kind, mean in means}


def estimated_starts(
    session, tasks: list[Task], positions: dict[str, int]
) -> dict[str, datetime | None]:
    """Estimate when each queued task starts (by id; None for a queue never measured lately),
    from its position and its queue's throughput.

    A queue's pool is as wide as the number of its tasks processing now (at least one).
    """
    rates, now = queue_rates(session, {task.queue for task in tasks}), utcnow()
    starts: dict[str, datetime | None] = {}
    for task in tasks:
        per_task, running = rates.get(task.queue, (None, 0))
        wait = None if per_task is None else (positions[task.id] - 1) * per_task / max(running, 1)
        starts[task.id] = None if wait is None else now + timedelta(seconds=wait)
    return starts


def estimated_start(session, task: Task, position: int) -> datetime | None:
    """Estimate when a queued task starts, from its position and the queue's throughput."""
    return estimated_starts(session, [task], {task.id: position})[task.id]


def hold_user(session, user_id: int) -> bool:
    """Serialise one user's submissions and starts until commit; return their priority.

    A write, not SELECT ... FOR UPDATE: SQLite takes its lock on writes only.
    """
    hold = update(User).where(User.id == user_id).values(is_admin=User.is_admin)
    return session.scalar(hold.returning(User.priority))  # one round trip, not two


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
