"""Database engine and sessions, shared by the web process, the worker and the CLI."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Float, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement


def _configure_sqlite(dbapi_connection, _record) -> None:
    """Let the web process and the worker share one SQLite file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for `url`, with SQLite tuned for several processes."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


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
        self.configure(app.config["DATABASE_URL"])

    def configure(self, url: str) -> None:
        """Point at the database at `url`, replacing any earlier engine."""
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url)
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
