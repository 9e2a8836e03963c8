"""A cheap authenticated read costs few round trips to PostgreSQL, counted on the wire."""

from sqlalchemy import event

from ocrapp.core.db import db
from tests.helpers import auth


def frontend_messages(trace: str) -> list[str]:
    """The kinds of the messages a libpq trace shows the client sending, in order."""
    return [line.split("\t")[3] for line in trace.splitlines() if line.split("\t")[1:2] == ["F"]]


def test_a_page_of_tasks_costs_the_pool_ping_and_one_statement(client, make_user, tmp_path):
    _, token = make_user()
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200  # token remembered
    trace_path = tmp_path / "libpq.trace"
    with trace_path.open("w") as trace:

        def trace_connection(dbapi_connection, _record, _proxy) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())

        event.listen(db.engine.pool, "checkout", trace_connection)
        try:
            assert client.get("/api/tasks", headers=auth(token)).status_code == 200
            assert client.get("/api/tasks", headers=auth(token)).status_code == 200
        finally:
            event.remove(db.engine.pool, "checkout", trace_connection)
    sent = frontend_messages(trace_path.read_text())

    # The pool pings before the checkout is traced: the first request's ping is not here.
    # The second request: pool_pre_ping's empty query, then the page and its total in one
    # statement; no BEGIN, no COMMIT.
    second = sent[sent.index("Query") :]
    assert second == ["Query", "Parse", "Bind", "Describe", "Execute", "Sync"]
