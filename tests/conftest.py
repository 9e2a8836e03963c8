"""Shared fixtures: real PostgreSQL, Redis, moto's S3 server and ocrapp processes."""

import json
import os
import uuid
from pathlib import Path

import pytest
import redis
import websocket
from sqlalchemy import text

from ocrapp import create_app
from ocrapp.cli import alembic_config
from ocrapp.core.db import db
from ocrapp.core.scheduling import queue_names
from ocrapp.web.auth import create_user
from tests.stack import Stack, recreate_database, start_moto_server

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
def database_url() -> str:
    """A fresh PostgreSQL database, migrated to the newest schema."""
    from alembic import command

    url = recreate_database(POSTGRES_URL, TEST_DATABASE)
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def s3_endpoint(logs_dir):
    """moto's S3 server, over HTTP, on a free port."""
    server, endpoint = start_moto_server(logs_dir)
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = f"{REDIS_BASE_URL}/15"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def app(database_url, redis_url, tmp_path):
    """The Flask app in this process, on PostgreSQL, emptied before each test."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BROKER_URL": redis_url,
            "STORAGE_URL": (tmp_path / "storage").as_uri(),
            "EVENT_NAMESPACE": NAMESPACE,
            # Nothing consumes this queue: tasks submitted here stay queued.
            "OCR_QUEUE": f"{NAMESPACE}-unserved",
        }
    )
    with db.session() as session:
        session.execute(text("TRUNCATE users, api_tokens, files, tasks, results CASCADE"))
    yield app
    redis.Redis.from_url(redis_url).delete(*queue_names(app.config))


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
def sqlite_stack(tmp_path_factory, logs_dir):
    """gunicorn and a Celery worker on the embedded defaults: SQLite and a local folder."""
    stack = Stack.embedded(
        tmp_path_factory.mktemp("instance"),
        {
            "REDIS_URL": f"{REDIS_BASE_URL}/14",
            "EVENT_NAMESPACE": f"{NAMESPACE}-sqlite",
            "OCR_QUEUE": f"{NAMESPACE}-sqlite",
        },
        logs_dir / "sqlite",
    )
    stack.log_dir.mkdir()
    yield stack.start()
    stack.stop()


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
