"""Queue positions and estimated starts for many tasks at once: a socket's snapshot."""

import contextlib
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import event

from ocrapp.core.db import db
from ocrapp.core.lifecycle import active_task_updates
from ocrapp.core.models import Task, TaskStatus, utcnow
from ocrapp.core.scheduling import places_in_line
from tests.conftest import on_both_databases
from tests.factories import queued_task, set_task


@contextlib.contextmanager
def counted_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run in the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def snapshot_queries(user_id: int) -> tuple[list[dict], int]:
    with db.session() as session, counted_queries() as statements:
        updates = active_task_updates(session, user_id)
    return updates, len(statements)


@on_both_databases
def test_a_snapshot_takes_as_many_queries_for_20_queued_tasks_as_for_2(app, make_user):
    few_id, _ = make_user()
    many_id, _ = make_user()
    for user_id, count in ((few_id, 2), (many_id, 20)):
        for _ in range(count):
            queued_task(user_id)
    set_task(queued_task(many_id), status=TaskStatus.PROCESSING)
    few, few_queries = snapshot_queries(few_id)
    many, many_queries = snapshot_queries(many_id)
    assert (len(few), len(many)) == (2, 21)
    assert many_queries == few_queries <= 4


@on_both_databases
def test_the_snapshot_places_each_task_as_a_single_task_is_placed(app, make_user):
    user_id, _ = make_user()
    now = utcnow()
    done = queued_task(user_id)  # one finished lately: the small queue has a rate
    set_task(
        done,
        status=TaskStatus.COMPLETED,
        started_at=now - timedelta(seconds=20),
        finished_at=now,
    )
    smalls = [queued_task(user_id) for _ in range(3)]
    large, urgent = queued_task(user_id, queue="large"), queued_task(user_id, queue="priority")
    updates, _ = snapshot_queries(user_id)
    with db.session() as session:
        for data in updates:
            single = places_in_line(session, [session.get(Task, data["taskId"])])[data["taskId"]]
            assert data["queuePosition"] == single.position
            assert (data["estimatedStartAt"] is None) == (single.start is None)
    places = {data["taskId"]: data["queuePosition"] for data in updates}
    assert [places[task_id] for task_id in (*smalls, large, urgent)] == [2, 3, 4, 2, 1]
    starts = {data["taskId"]: data["estimatedStartAt"] for data in updates}
    assert starts[large] is None and starts[smalls[0]] is not None
