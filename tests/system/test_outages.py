"""Redis going away, as broker and as pub/sub: uploads are kept, sockets catch up."""

import os
import shutil

import pytest
import redis

from tests.conftest import POSTGRES_URL, TEST_DATABASE
from tests.documents import image_pdf, page_image
from tests.helpers import create_user, fetch, upload
from tests.stack import Process, Stack, free_port, recreate_database, wait_for

pytestmark = pytest.mark.slow


class Broker:
    """A redis-server of the test's own, to stop and start again on the same port."""

    def __init__(self, log_dir) -> None:
        self.port, self.log_dir, self.process = free_port(), log_dir, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = (
            f"exec {shutil.which('redis-server')} --port {self.port} --save '' --appendonly no"
        )
        self.process = Process("broker", command, dict(os.environ), self.log_dir)
        wait_for(self._answers, 10, "the test's broker")

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        self.process.stop()


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    """A stack (web, worker, beat) whose Redis, broker and pub/sub, the test can take away."""
    folder = tmp_path_factory.mktemp("outbox")
    broker = Broker(folder)
    broker.start()
    stack = Stack(
        {
            "DATABASE_URL": recreate_database(POSTGRES_URL, f"{TEST_DATABASE}_outbox"),
            "REDIS_URL": broker.url,
            "BROKER_URL": broker.url,
            "STORAGE_URL": (folder / "storage").as_uri(),
            "OCRAPP_INSTANCE_DIR": str(folder / "instance"),
            "EVENT_NAMESPACE": f"outbox-{os.getpid()}",
            "OCR_QUEUE": f"outbox-{os.getpid()}",
            "REAPER_INTERVAL": "1",
            "OUTBOX_DELAY": "0",
            "LOST_AFTER": "2",
        },
        folder,
    )
    yield stack.start(names=("web", "worker", "beat")), broker
    stack.stop()
    broker.stop()


def test_an_upload_while_the_broker_is_down_is_queued_then_completed(outage, open_socket):
    stack, broker = outage
    token = create_user(stack)
    socket = open_socket(stack.url, token)
    broker.stop()
    task = upload(stack, token, image_pdf([page_image(["sent from the outbox"])]), "a.pdf")
    assert task["status"] == "queued"
    assert fetch(stack, token, f"/api/tasks/{task['taskId']}").json()["status"] == "queued"
    broker.start()
    updates = socket.updates_until_finished(task["taskId"], timeout=180)
    assert updates[-1]["status"] == "completed"
    text = fetch(stack, token, f"/api/tasks/{task['taskId']}/result?format=txt").text
    assert "outbox" in text.lower()


def test_sockets_keep_receiving_updates_after_redis_restarts(outage, open_socket):
    stack, broker = outage
    token = create_user(stack)
    socket = open_socket(stack.url, token)
    assert socket.receive()["type"] == "connected"
    broker.stop()
    broker.start()
    task = upload(stack, token, image_pdf([page_image(["after the restart"])]), "b.pdf")
    updates = socket.updates_until_finished(task["taskId"], timeout=180)
    assert updates[-1]["status"] == "completed"


def test_a_task_the_broker_lost_is_sent_again(outage, open_socket):
    stack, broker = outage
    token = create_user(stack)
    socket = open_socket(stack.url, token)
    stack.process("worker").stop()
    task = upload(stack, token, image_pdf([page_image(["lost and found"])]), "c.pdf")
    broker.stop()
    broker.start()  # empty: the message is gone, the task is still queued
    stack.launch("worker")
    updates = socket.updates_until_finished(task["taskId"], timeout=180)
    assert updates[-1]["status"] == "completed"
