"""Shared fixtures: real PostgreSQL, Redis, moto's S3 server and ocrapp processes.

A test that needs any of them is marked `services` here, from the fixtures it uses (and
every test under tests/system/, which start whole stacks): `make test-fast` leaves those
out and runs the rest, with SQLite and no Redis, in under a minute.
"""

import contextlib
import json
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import websocket
from sqlalchemy import text
from werkzeug.serving import make_server

from ocrapp import create_app
from ocrapp.cli import alembic_config
from ocrapp.core.broker import TAKEN, TAKEN_AT
from ocrapp.core.db import db
from ocrapp.core.scheduling import queue_names
from ocrapp.core.tokens import create_user
from tests.stack import Stack, recreate_database, start_moto_server

# A run started as a shell's background job (`make test &`) ignores Ctrl-C (SIGINT), and
# every program it starts would too: the tests that press Ctrl-C on one (`ocrapp submit
# --wait`, `make run`) need it back, as a handler, which a program started resets.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

POSTGRES_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
# Two runs side by side need their own: TEST_DATABASE_NAME, and a TEST_REDIS_URL server.
TEST_DATABASE = os.environ.get("TEST_DATABASE_NAME", "ocrapp_test")
# The in-process app and the PostgreSQL stack share a database and an event namespace,
# so either can publish what the other's sockets receive.
NAMESPACE = f"ocrapp-test-{uuid.uuid4().hex[:8]}"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# A Redis on which nothing answers: publishing fails at once, as when Redis is down.
NO_REDIS = "redis://127.0.0.1:1/0"
# The fixtures that reach PostgreSQL, Redis or S3 (`app` unless on SQLite), and the tests
# that start whole stacks of ocrapp processes.
SERVICE_FIXTURES = {"app", "postgres_server", "redis_server", "s3_endpoint"}
SYSTEM_TESTS = Path(__file__).parent / "system"
# Run a test on `app` both ways: PostgreSQL and Redis, and SQLite alone (the quick tier's).
on_both_databases = pytest.mark.parametrize("app", ["postgresql", "sqlite"], indirect=True)


def needs_services(item: pytest.Item) -> bool:
    """Whether the test reaches a service, by its folder or the fixtures it uses."""
    fixtures = set(item.fixturenames)
    if getattr(item, "callspec", None) and item.callspec.params.get("app") == "sqlite":
        fixtures.discard("app")
    return SYSTEM_TESTS in item.path.parents or bool(fixtures & SERVICE_FIXTURES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `services` every test that needs PostgreSQL, Redis, S3 or ocrapp processes."""
    for item in items:
        if needs_services(item):
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session", autouse=True)
def aws_environment():
    """Point boto3 at made-up credentials; every S3 call goes to moto's server."""
    saved = {key: os.environ.get(key) for key in [*S3_ENV, "AWS_DEFAULT_REGION"]}
    os.environ.update(S3_ENV | {"AWS_DEFAULT_REGION": "us-east-1"})
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the test PostgreSQL server (TEST_DATABASE_URL)."""
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The URL of the test Redis server (TEST_REDIS_URL), without a database number."""
    return REDIS_BASE_URL


@pytest.fixture(scope="session")
def database_url(postgres_server) -> str:
    """A fresh PostgreSQL database, migrated to the newest schema."""
    from alembic import command

    url = recreate_database(postgres_server, TEST_DATABASE)
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory) -> Path:
    """An SQLite file migrated to the newest schema, copied by each `sqlite_app`."""
    from alembic import command

    path = tmp_path_factory.mktemp("sqlite") / "schema.sqlite3"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


@pytest.fixture(scope="session")
def s3_endpoint(logs_dir):
    """moto's S3 server, over HTTP, on a free port."""
    server, endpoint = start_moto_server(logs_dir)
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    url = f"{redis_server}/15"
    redis.Redis.from_url(url).flushdb()
    return url


def app_config(tmp_path: Path, database_url: str, redis_url: str) -> dict:
    """The settings of an app in this process, on these services."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BROKER_URL": redis_url,
        "STORAGE_URL": (tmp_path / "storage").as_uri(),
        "EVENT_NAMESPACE": NAMESPACE,
        # Nothing consumes this queue: tasks submitted here stay queued.
        "OCR_QUEUE": f"{NAMESPACE}-unserved",
        # Each scrape reads the records afresh (one test checks the cache).
        "METRICS_CACHE_SECONDS": 0,
    }


@pytest.fixture
def sqlite_app(sqlite_schema, tmp_path):
    """The Flask app in this process on a fresh SQLite file, with no Redis: no services."""
    path = tmp_path / "ocrapp.sqlite3"
    shutil.copyfile(sqlite_schema, path)
    return create_app(app_config(tmp_path, f"sqlite:///{path}", NO_REDIS))


@pytest.fixture
def app(request, tmp_path):
    """The Flask app in this process, on PostgreSQL and Redis, emptied before each test.

    With `on_both_databases`, a second run gets `sqlite_app` instead.
    """
    if getattr(request, "param", "postgresql") == "sqlite":
        yield request.getfixturevalue("sqlite_app")
        return
    redis_url = request.getfixturevalue("redis_url")
    app = create_app(app_config(tmp_path, request.getfixturevalue("database_url"), redis_url))
    with db.session() as session:
        session.execute(text("TRUNCATE users, api_tokens, files, tasks, results CASCADE"))
    yield app
    # The queues, and the messages taken from them (a test's worker that died holding one).
    redis.Redis.from_url(redis_url).delete(*queue_names(app.config), TAKEN, TAKEN_AT)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create users; return a function giving (user id, token)."""

    def make(email: str | None = None, admin: bool = False) -> tuple[int, str]:
        email = email or f"{uuid.uuid4().hex[:12]}@example.com"
        with db.session() as session:
            user, token = create_user(session, email, admin=admin)
            return user.id, token

    return make


@pytest.fixture(scope="session")
def pg_stack(database_url, redis_url, s3_endpoint, logs_dir):
    """gunicorn and a Celery worker on PostgreSQL, Redis and S3 (moto's server)."""
    bucket = "ocrapp-test"
    stack = Stack(
        {
            **S3_ENV,
            "AWS_DEFAULT_REGION": "us-east-1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "STORAGE_URL": f"s3://{bucket}/stack",
            "S3_ENDPOINT_URL": s3_endpoint,
            "EVENT_NAMESPACE": NAMESPACE,
            "OCR_QUEUE": f"{NAMESPACE}-pg",
        },
        logs_dir / "pg",
    )
    stack.log_dir.mkdir()
    stack.cli("storage", "init")
    yield stack.start()
    stack.stop()


@pytest.fixture(scope="session")
def sqlite_stack(tmp_path_factory, logs_dir, redis_server):
    """gunicorn and a Celery worker on the embedded defaults: SQLite and a local folder."""
    stack = Stack.embedded(
        tmp_path_factory.mktemp("instance"),
        {
            "REDIS_URL": f"{redis_server}/14",
            "EVENT_NAMESPACE": f"{NAMESPACE}-sqlite",
            "OCR_QUEUE": f"{NAMESPACE}-sqlite",
        },
        logs_dir / "sqlite",
    )
    stack.log_dir.mkdir()
    yield stack.start()
    stack.stop()


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """Serve `app` over real HTTP by werkzeug in a thread, for real WebSockets; yield its URL."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def server(app):
    """The app in this process, served over real HTTP."""
    with served(app) as url:
        yield url


class Socket:
    """A real WebSocket client that decodes each message."""

    def __init__(self, url: str, token: str, since: str | None = None) -> None:
        query = f"?since={since}" if since else ""
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1) + "/ws" + query,
            header=[f"Authorization: Bearer {token}"],
            timeout=10,
        )

    def receive(self, timeout: float = 10) -> dict:
        """Return the next message, or fail after `timeout` seconds."""
        self.ws.settimeout(timeout)
        return json.loads(self.ws.recv())

    def updates_until_finished(self, task_id: str, timeout: float = 120) -> list[dict]:
        """Collect the updates of `task_id` until it is completed or failed."""
        updates = []
        while not updates or updates[-1]["status"] not in ("completed", "failed"):
            message = self.receive(timeout)
            if message["type"] == "task_update" and message["data"]["taskId"] == task_id:
                updates.append(message["data"])
        return updates

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def open_socket():
    """Open WebSockets, closed after the test."""
    sockets = []

    def connect(url: str, token: str, since: str | None = None) -> Socket:
        sockets.append(Socket(url, token, since))
        return sockets[-1]

    yield connect
    for socket in sockets:
        socket.close()
