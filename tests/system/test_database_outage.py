"""PostgreSQL restarting while a task runs: the task waits the outage out, then completes."""

import itertools
import re
import time

import pytest

from tests.documents import image_pdf, page_image
from tests.helpers import create_user, fetch, upload
from tests.servers import Postgres, Redis
from tests.stack import Stack, own_namespace, own_services

pytestmark = pytest.mark.slow

# Longer than the old retry budget (3 runs, 2 s then 4 s apart), under SERVICE_OUTAGE_SECONDS.
OUTAGE_SECONDS = 20


@pytest.fixture(scope="module")
def database_outage(tmp_path_factory):
    """A stack (web, worker) on a PostgreSQL cluster of its own, which the test stops."""
    folder = tmp_path_factory.mktemp("database-outage")
    postgres, redis_server = Postgres().create(), Redis(folder)
    redis_server.start()
    env = {
        **own_services(postgres.url, redis_server.url, folder),
        **own_namespace("database-outage"),
        "SERVICE_OUTAGE_SECONDS": "120",
    }
    try:
        with Stack(env, folder).running() as stack:
            yield stack, postgres
    finally:
        redis_server.stop()
        postgres.remove()


def test_a_task_waits_out_a_database_restart_and_completes(database_outage, open_socket):
    stack, postgres = database_outage
    token = create_user(stack)
    socket = open_socket(stack.url, token)
    pages = [page_image([f"page {number} outlasted the outage"]) for number in range(1, 7)]
    task = upload(stack, token, image_pdf(pages), "outage.pdf")
    while socket.receive(120).get("data", {}).get("status") != "processing":
        pass
    postgres.stop()
    time.sleep(OUTAGE_SECONDS)  # the outage itself, not a wait for something to happen
    postgres.start()
    updates = socket.updates_until_finished(task["taskId"], timeout=300)
    assert updates[-1]["status"] == "completed", updates[-1]
    shown = fetch(stack, token, f"/api/tasks/{task['taskId']}").json()
    assert shown["attempts"] <= 2  # the run cut short, and the one that finished
    # Each wait counts the outage from its first failure, carried in the message's headers:
    # each try sees it longer by at least the wait before it (not from zero again). How many
    # waits fit in the outage depends on when the run first met it (the backoff doubles).
    log = stack.process("worker").log()
    waits = re.findall(r"trying again in ([\d.]+) s \(outage for (\d+) s\)", log)
    waits = [(float(delay), int(outage)) for delay, outage in waits]
    assert len(waits) >= 3, waits
    for (delay, outage), (_, next_outage) in itertools.pairwise(waits):
        assert next_outage >= outage + delay - 1, waits  # whole seconds in the log
    text = fetch(stack, token, f"/api/tasks/{task['taskId']}/result?format=txt").text
    assert "outlasted" in text.lower()
