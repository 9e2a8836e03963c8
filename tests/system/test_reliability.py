"""Crashes and limits on real processes and real signals: nothing is lost, nothing loops."""

import os
import signal
import time
from functools import partial

import psycopg
import pytest

from ocrapp import create_app
from ocrapp.core.broker import abandoned_messages, broker_task_ids
from ocrapp.core.jobs import OCR_TASK_NAME
from ocrapp.core.scheduling import SMALL, queue_name
from tests.conftest import POSTGRES_URL, REDIS_BASE_URL, TEST_DATABASE
from tests.documents import image_pdf, page_image
from tests.helpers import (
    create_user,
    fetch,
    statuses,
    upload,
    wait_for_engines,
    worker_child,
)
from tests.stack import Stack, recreate_database, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fragile_stack(tmp_path_factory):
    """A stack of its own, whose worker the tests kill: two runs a task, short time limits."""
    database_url = recreate_database(POSTGRES_URL, f"{TEST_DATABASE}_fragile")
    folder = tmp_path_factory.mktemp("fragile")
    stack = Stack(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": f"{REDIS_BASE_URL}/12",
            "STORAGE_URL": (folder / "storage").as_uri(),
            "EVENT_NAMESPACE": f"fragile-{os.getpid()}",
            "OCR_QUEUE": f"fragile-{os.getpid()}",
            "MAX_ATTEMPTS": "2",
            # Pages that take EasyOCR seconds: long enough to kill a worker in the middle.
            "OCR_ENGINE": "easyocr",
            "TASK_TIME_LIMIT_BASE": "8",
            "TASK_TIME_LIMIT_PER_PAGE": "4",
            # Heartbeats every 2 s, read by the reaper every 2 s once a test starts `beat`.
            "REAPER_INTERVAL": "2",
            "OCRAPP_INSTANCE_DIR": str(folder / "instance"),
        },
        folder,
    )
    stack.database = database_url.replace("+psycopg", "")
    yield stack.start()
    stack.stop()


def kill_at_each_start(stack, socket, task_id: str, times: int) -> list[dict]:
    """Kill the pool process each time the task starts, `times` times; return the updates."""
    updates, kills = [], 0
    while not updates or updates[-1]["status"] not in ("completed", "failed"):
        message = socket.receive(timeout=120)
        if message["type"] != "task_update" or message["data"]["taskId"] != task_id:
            continue
        update = message["data"]
        updates.append(update)
        # Each run starts with "OCR processing started", before any page.
        if update["message"] == "OCR processing started" and kills < times:
            os.kill(worker_child(stack), signal.SIGKILL)
            kills += 1
    return updates


def kill_at_page_two(socket, task_id: str, kill) -> list[dict]:
    """Call `kill()` once, when the task's page 2 starts (page 1 is stored by then); return
    the task's updates until it ends."""
    updates, killed = [], False
    while not updates or updates[-1]["status"] not in ("completed", "failed"):
        message = socket.receive(timeout=120)
        if message["type"] != "task_update" or message["data"]["taskId"] != task_id:
            continue
        updates.append(message["data"])
        if updates[-1].get("page") == 2 and not killed:
            kill()
            killed = True
    assert killed, updates
    return updates


def rows(stack, table: str, task_id: str) -> int:
    with psycopg.connect(stack.database) as connection:
        query = f"SELECT count(*) FROM {table} WHERE task_id = %s"
        return connection.execute(query, (task_id,)).fetchone()[0]


def test_a_killed_worker_process_is_replaced_and_the_task_completes_once(
    fragile_stack, open_socket
):
    token = create_user(fragile_stack)
    socket = open_socket(fragile_stack.url, token)
    pages = [page_image([f"page {n} survives a crash"]) for n in (1, 2)]
    task = upload(fragile_stack, token, image_pdf(pages), "crash.pdf")
    updates = kill_at_each_start(fragile_stack, socket, task["taskId"], times=1)
    assert statuses(updates) == ["queued", "processing", "completed"]
    starts = [u for u in updates if u["message"] == "OCR processing started"]
    assert len(starts) == 2
    assert fetch(fragile_stack, token, f"/api/tasks/{task['taskId']}").json()["attempts"] == 2
    assert rows(fragile_stack, "results", task["taskId"]) == 1
    assert rows(fragile_stack, "task_pages", task["taskId"]) == 2
    text = fetch(fragile_stack, token, f"/api/tasks/{task['taskId']}/result?format=txt").text
    assert "survives" in text.lower()


def test_a_task_that_keeps_killing_its_worker_fails_after_max_attempts(fragile_stack, open_socket):
    token = create_user(fragile_stack)
    socket = open_socket(fragile_stack.url, token)
    task = upload(fragile_stack, token, image_pdf([page_image(["poison"])]), "poison.pdf")
    updates = kill_at_each_start(fragile_stack, socket, task["taskId"], times=99)
    assert updates[-1]["status"] == "failed"
    assert updates[-1]["error"]["code"] == "worker_lost"
    assert fetch(fragile_stack, token, f"/api/tasks/{task['taskId']}").json()["attempts"] == 2


def test_a_task_over_its_time_limit_fails_with_timeout(fragile_stack, open_socket):
    token = create_user(fragile_stack)
    socket = open_socket(fragile_stack.url, token)
    lines = [f"line {n} of a page far too long to read in twelve seconds" for n in range(60)]
    task = upload(fragile_stack, token, image_pdf([page_image(lines)]), "long.pdf")
    updates = socket.updates_until_finished(task["taskId"], timeout=120)
    assert updates[-1]["status"] == "failed"
    assert updates[-1]["error"]["code"] == "timeout"
    assert "12 seconds" in updates[-1]["error"]["message"]


def test_a_retry_resumes_from_the_pages_already_stored(fragile_stack, open_socket):
    token = create_user(fragile_stack)
    socket = open_socket(fragile_stack.url, token)
    pages = [page_image([f"resumed page {n}"]) for n in (1, 2)]
    task = upload(fragile_stack, token, image_pdf(pages), "resume.pdf")
    updates = kill_at_page_two(socket, task["taskId"], partial(kill_pool, fragile_stack))
    assert updates[-1]["status"] == "completed"
    result = fetch(fragile_stack, token, f"/api/tasks/{task['taskId']}/result").json()
    assert result["engine"]["calls"] == 1  # page 2 only: page 1 came from the first run
    assert [page["number"] for page in result["pages"]] == [1, 2]
    assert "resumed" in result["pages"][0]["text"].lower()


def test_sigterm_lets_the_worker_finish_the_task_in_hand(fragile_stack, open_socket):
    token = create_user(fragile_stack)
    socket = open_socket(fragile_stack.url, token)
    pages = [page_image([f"page {n} finished before the worker stops"]) for n in (1, 2)]
    task = upload(fragile_stack, token, image_pdf(pages), "warm.pdf")
    worker = fragile_stack.process("worker")
    updates = []
    while not updates or updates[-1]["status"] not in ("completed", "failed"):
        message = socket.receive(timeout=120)
        if message["type"] != "task_update" or message["data"]["taskId"] != task["taskId"]:
            continue
        updates.append(message["data"])
        if updates[-1].get("page") == 1 and worker.alive():
            os.kill(worker.popen.pid, signal.SIGTERM)  # Celery's warm shutdown
    assert updates[-1]["status"] == "completed"
    assert worker.popen.wait(timeout=60) == 0
    assert fetch(fragile_stack, token, f"/api/tasks/{task['taskId']}").json()["attempts"] == 1
    fragile_stack.launch("worker")  # for any test that runs after this one


def kill_pool(stack) -> None:
    """SIGKILL the worker's pool process: its main process starts another."""
    os.kill(worker_child(stack), signal.SIGKILL)


def kill_main(stack) -> None:
    """SIGKILL the worker's main process (its pool process dies with it), and start another."""
    worker = stack.process("worker")
    os.kill(worker.popen.pid, signal.SIGKILL)
    worker.popen.wait(timeout=30)
    stack.launch("worker")


def test_a_killed_worker_main_process_is_noticed_and_its_task_resumed(fragile_stack, open_socket):
    """The main process takes its pool process with it and leaves its message unacknowledged
    for a day: the reaper sees the task's heartbeat stop and sends it again, at once."""
    token = create_user(fragile_stack)
    socket = open_socket(fragile_stack.url, token)
    pages = [page_image([f"page {n} outlives its worker"]) for n in (1, 2, 3)]
    beat = fragile_stack.launch("beat")
    try:
        task = upload(fragile_stack, token, image_pdf(pages), "orphan.pdf")
        updates = kill_at_page_two(socket, task["taskId"], partial(kill_main, fragile_stack))
    finally:
        beat.stop()
    assert updates[-1]["status"] == "completed", updates[-1]
    # Put back in line by the reaper, not failed 10 minutes past the 20 s limit.
    assert statuses(updates) == ["queued", "processing", "queued", "processing", "completed"]
    assert fetch(fragile_stack, token, f"/api/tasks/{task['taskId']}").json()["attempts"] == 2
    result = fetch(fragile_stack, token, f"/api/tasks/{task['taskId']}/result").json()
    assert result["engine"]["calls"] == 2  # pages 2 and 3: page 1 came from the first run
    assert [page["number"] for page in result["pages"]] == [1, 2, 3]
    assert rows(fragile_stack, "results", task["taskId"]) == 1


def test_a_retry_a_busy_worker_holds_past_its_time_is_not_taken_for_abandoned(
    fragile_stack, open_socket
):
    """Found in review: a retry that falls due while the worker's pool process is busy
    waits in the worker, unacknowledged; taken for a dead worker's message, its task would
    be sent again and run twice. The live workers are asked what they hold."""
    keys = ("DATABASE_URL", "REDIS_URL", "STORAGE_URL", "EVENT_NAMESPACE", "OCR_QUEUE")
    settings = {key: fragile_stack.env[key] for key in keys}
    app = create_app({**settings, "BROKER_URL": settings["REDIS_URL"]})
    token = create_user(fragile_stack)
    socket = open_socket(fragile_stack.url, token)
    wait_for_engines(fragile_stack, token, {"easyocr"})  # the worker takes messages
    with app.app_context():
        # As tasks/retrying.py sends a retry: the worker takes it at once, to run when due.
        app.extensions["celery"].send_task(
            OCR_TASK_NAME,
            args=["a-retry"],
            task_id="a-retry",
            queue=queue_name(app.config, SMALL),
            countdown=RETRY_AFTER,
        )
        due = time.time() + RETRY_AFTER
        waiting = lambda: "a-retry" in broker_task_ids(taken=False)  # noqa: E731
        wait_for(lambda: not waiting(), 60, "the retry taken by the worker")
        # Then a file that keeps its one pool process busy past the retry's time: seven
        # pages, fewer than SPLIT_PAGES (ranges would let the pool go between them).
        lines = ["a page that keeps", "the worker's one pool process", "busy for a while"] * 4
        pages = [page_image([f"page {n}", *lines]) for n in range(1, 8)]
        busy = upload(fragile_stack, token, image_pdf(pages), "busy.pdf")["taskId"]
        while socket.receive(timeout=120)["data"].get("status") != "processing":
            pass
        wait_for(lambda: time.time() > due, RETRY_AFTER, "the retry due")
        assert fetch(fragile_stack, token, f"/api/tasks/{busy}").json()["status"] == "processing"
        assert "a-retry" in broker_task_ids()  # held, not started: the pool is busy
        assert abandoned_messages(app.config, {"a-retry", busy}, older_than=0) == {}
        assert "a-retry" in broker_task_ids()
    assert fetch(fragile_stack, token, f"/api/tasks/{busy}").json()["status"] == "processing"
    assert socket.updates_until_finished(busy)[-1]["status"] == "completed"


# Seconds: time to upload the busy file and for its task to start, on a loaded machine too
# (5 s were too few once), and within its time limit (8 s + 4 s a page).
RETRY_AFTER = 12
