"""Database engine and sessions, shared by the web process, the worker and the CLI."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Float, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

# A pooled connection idle this long is checked before use.
PING_AFTER_IDLE = 1.0


def _configure_sqlite(dbapi_connection, _record) -> None:
    """Let the web process and the worker share one SQLite file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before handing it out, if it sat idle `idle_seconds`.

    Only those: pinging every checkout (`pool_pre_ping`) cost a round trip per session,
    a tenth of a cheap request. A connection that died while busy fails its request once
    (503, and the pool drops every connection older than the failure); during a database
    restart every connection is idle or failing, so each is checked or replaced.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def note_idle(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("idle_since", 0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("a pooled connection had gone away") from error


def make_engine(
    url: str, pool_size: int = 5, pool_timeout: float = 30, ping_after: float = PING_AFTER_IDLE
) -> Engine:
    """Create an engine for `url`, with SQLite tuned for several processes.

    A server database keeps `pool_size` connections and opens no more: a request beyond
    them waits for one (cooperatively under gevent), `pool_timeout` seconds at most,
    rather than connecting and closing again, which cost a PostgreSQL backend per request
    under load. Connections idle for `ping_after` seconds are checked before use.
    """
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=pool_timeout)
    ping_when_idle(engine, ping_after)
    return engine


class seconds_between(FunctionElement):
    """The seconds from one timestamp column to another, in SQL, on PostgreSQL and SQLite."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


class Database:
    """Own the engine and hand out sessions; `init_app` binds it to a Flask app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._sessionmaker: sessionmaker[Session] | None = None
        self._autocommit_sessionmaker: sessionmaker[Session] | None = None

    def init_app(self, app) -> None:
        """Connect to the app's `DATABASE_URL`."""
        config = app.config
        pool = config["DATABASE_POOL_SIZE"], config["DATABASE_POOL_TIMEOUT"]
        self.configure(config["DATABASE_URL"], *pool)

    def configure(self, url: str, pool_size: int = 5, pool_timeout: float = 30) -> None:
        """Point at the database at `url`, replacing any earlier engine."""
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url, pool_size, pool_timeout)
        self._sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._autocommit_sessionmaker = sessionmaker(autocommit_engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        with self._sessionmaker.begin() as session:
            yield session

    @contextmanager
    def autocommit(self) -> Iterator[Session]:
        """Yield a session for one statement, which needs no transaction around it.

        Each statement commits by itself: it costs no BEGIN and COMMIT round trips (half of
        a cheap request's). Two statements in it may see different snapshots.
        """
        with self._autocommit_sessionmaker() as session:
            yield session


db = Database()
