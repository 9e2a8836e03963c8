"""Redis going away, as broker and as pub/sub: uploads are kept, sockets catch up."""

import pytest

from tests.conftest import POSTGRES_URL, TEST_DATABASE
from tests.documents import image_pdf, page_image
from tests.helpers import create_user, fetch, upload, wait_for_engines
from tests.servers import Redis
from tests.stack import Stack, own_namespace, own_services, recreate_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    """A stack (web, worker, beat) whose Redis, broker and pub/sub, the test can take away."""
    folder = tmp_path_factory.mktemp("outbox")
    broker = Redis(folder)
    broker.start()
    database_url = recreate_database(POSTGRES_URL, f"{TEST_DATABASE}_outbox")
    env = {
        **own_services(database_url, broker.url, folder),
        **own_namespace("outbox"),
        "REAPER_INTERVAL": "1",
        "OUTBOX_DELAY": "0",
        "LOST_AFTER": "2",
    }
    try:
        with Stack(env, folder).running(names=("web", "worker", "beat")) as stack:
            yield stack, broker
    finally:
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


def test_a_redis_that_restarted_empty_learns_the_workers_engines_again(outage):
    """The workers reported their engines once, when ready: the API then refused every
    engine but the default (503 engines_unknown) until a worker restarted."""
    stack, broker = outage
    token = create_user(stack)
    reported = {engine["name"] for engine in fetch(stack, token, "/api/engines").json()["engines"]}
    assert reported
    broker.stop()
    broker.start()  # empty

    wait_for_engines(stack, token, reported)
