"""Cheap requests cost few round trips to PostgreSQL, counted on the wire."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event

from ocrapp.core.db import db
from tests.helpers import auth, submit
from tests.images import text_image


@contextlib.contextmanager
def traced(path: Path) -> Iterator[list[tuple[str, str]]]:
    """Trace the messages the pool's connections send (libpq's trace) while in the block;
    then fill the list yielded with each message's kind and text."""
    sent: list[tuple[str, str]] = []
    with path.open("w") as trace:

        def trace_connection(dbapi_connection, _record, _proxy) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())

        event.listen(db.engine.pool, "checkout", trace_connection)
        try:
            yield sent
        finally:
            event.remove(db.engine.pool, "checkout", trace_connection)
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        if fields[1:2] == ["F"]:
            sent.append((fields[3], fields[4] if len(fields) > 4 else ""))


def test_a_page_of_tasks_costs_one_statement(client, make_user, tmp_path):
    _, token = make_user()
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200  # token remembered
    with traced(tmp_path / "libpq.trace") as sent:
        assert client.get("/api/tasks", headers=auth(token)).status_code == 200
        assert client.get("/api/tasks", headers=auth(token)).status_code == 200
    kinds = [kind for kind, _ in sent]

    # Each request: the page and its total in one statement; no BEGIN, no COMMIT, and no
    # ping of a connection used a moment ago.
    assert kinds == ["Parse", "Bind", "Describe", "Execute", "Sync"] * 2


def test_an_upload_takes_one_transaction(client, make_user, tmp_path):
    _, token = make_user()
    image = text_image(["round trips"])
    assert submit(client, token, image, "first.png").status_code == 202
    with traced(tmp_path / "libpq.trace") as sent:
        assert submit(client, token, image, "second.png").status_code == 202
    queries = [text.strip(' "').split()[0] for kind, text in sent if kind == "Query"]

    # The limits read before and the `enqueued_at` written after commit without one; no
    # ping of connections used a moment ago.
    assert queries == ["BEGIN", "COMMIT"]
