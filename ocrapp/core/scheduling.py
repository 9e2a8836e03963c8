"""Which queue a task goes to, where it stands in it, when it should start, and whose turn it is."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
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
    `created_at`, and that task itself (`Task` columns, for a correlated count)."""
    ahead = aliased(Task)
    return (
        select(func.count())
        .select_from(ahead)
        .where(ahead.status == TaskStatus.QUEUED)
        # every pool serves the priority queue first
        .where(ahead.queue.in_([queue, PRIORITY]))
        .where((ahead.queue == PRIORITY) | (ahead.created_at <= created_at))
    )


@dataclass(frozen=True)
class Place:
    """Where a queued task stands: its place in its queue (1: next), and when it should
    start (None for a queue that finished nothing lately)."""

    position: int
    start: datetime | None


def _places_statement():
    """Each task's place, its queue's mean run time lately and its tasks processing now,
    for the tasks of `ids` in the queues of `kinds` (bound at each run): built once, for
    building a statement costs more than running it."""
    kinds = bindparam("kinds", expanding=True)
    place = _place_in_line(Task.queue, Task.created_at).correlate(Task).scalar_subquery()
    means = (
        select(
            Task.queue, func.avg(seconds_between(Task.started_at, Task.finished_at)).label("mean")
        )
        .where(
            Task.queue.in_(kinds),
            Task.status == TaskStatus.COMPLETED,
            Task.finished_at >= bindparam("since"),
            Task.started_at.is_not(None),
        )
        .group_by(Task.queue)
        .subquery()
    )
    running = (
        select(Task.queue, func.count().label("running"))
        .where(Task.queue.in_(kinds), Task.status == TaskStatus.PROCESSING)
        .group_by(Task.queue)
        .subquery()
    )
    return (
        select(Task.id, place, means.c.mean, running.c.running)
        .outerjoin(means, means.c.queue == Task.queue)
        .outerjoin(running, running.c.queue == Task.queue)
        .where(Task.id.in_(bindparam("ids", expanding=True)))
    )


PLACES = _places_statement()


def places_in_line(session, tasks: list[Task]) -> dict[str, Place]:
    """Place each of `tasks` (queued) in its queue, by id, in one query whatever their number.

    The start is estimated from the place and the queue's throughput: the mean run time of
    its tasks finished lately, over its pool's width, the tasks processing now (at least one).
    """
    if not tasks:
        return {}
    rows = session.execute(
        PLACES,
        {
            "ids": [task.id for task in tasks],
            "kinds": sorted({task.queue for task in tasks}),
            "since": utcnow() - MEASURED_OVER,
        },
    )
    now, places = utcnow(), {}
    for task_id, position, mean, width in rows:
        wait = None if mean is None else (position - 1) * float(mean) / max(width or 0, 1)
        places[task_id] = Place(position, None if wait is None else now + timedelta(seconds=wait))
    return places


# Built once, as the statements above. A write, not SELECT ... FOR UPDATE: SQLite takes its
# lock on writes only; returning the priority saves a round trip. On the table, not the
# entity: the ORM's update path costs more than the round trip, and this changes nothing
# that a session holds.
_users = User.__table__
HOLD_USER = (
    update(_users)
    .where(_users.c.id == bindparam("held_id"))
    .values(is_admin=_users.c.is_admin)
    .returning(_users.c.priority)
)


def hold_user(session, user_id: int) -> bool:
    """Serialise one user's submissions and starts until commit; return their priority."""
    return session.scalar(HOLD_USER, {"held_id": user_id})


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
