"""The engine's pool: connections checked before use only after sitting idle."""

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from ocrapp.core.db import make_engine

BACKEND = text("SELECT pg_backend_pid()")


def terminate(url: str, pid: int) -> None:
    """End the PostgreSQL backend `pid`, as a database restart would."""
    killer = make_engine(url)
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def pooled_backend(engine) -> int:
    """Open the pool's one connection, return it to the pool, and return its backend's pid."""
    with engine.connect() as connection:
        return connection.execute(BACKEND).scalar()


def test_a_connection_that_died_while_idle_is_replaced_before_use(database_url):
    engine = make_engine(database_url, pool_size=1, ping_after=0)
    dead = pooled_backend(engine)
    terminate(database_url, dead)
    assert pooled_backend(engine) != dead  # pinged, found dead, replaced: no error
    engine.dispose()


def test_a_connection_used_just_now_is_not_pinged_and_fails_once(database_url):
    engine = make_engine(database_url, pool_size=1, ping_after=3600)
    dead = pooled_backend(engine)
    terminate(database_url, dead)
    with pytest.raises(sqlalchemy.exc.OperationalError) as failure:
        pooled_backend(engine)
    assert failure.value.connection_invalidated  # the web answers 503 for this one
    assert pooled_backend(engine) != dead  # the pool replaced it
    engine.dispose()
