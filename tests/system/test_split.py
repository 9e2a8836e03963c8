"""A long file read in page ranges by two worker processes at once, on real processes."""

import os
import re
import signal

import psycopg
import pypdfium2 as pdfium
import pytest
import requests

from tests.conftest import POSTGRES_URL, REDIS_BASE_URL, S3_ENV, TEST_DATABASE
from tests.documents import image_pdf, page_image
from tests.helpers import auth, create_user, fetch, statuses, stored_keys, upload
from tests.stack import Stack, own_namespace, recreate_database, wait_for

pytestmark = pytest.mark.slow
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
FINAL = ("completed", "failed", "cancelled")
RESULTS = "SELECT count(*) FROM results WHERE task_id = %s"


@pytest.fixture(scope="module")
def split_stack(tmp_path_factory, s3_endpoint):
    """Two pool processes; files of 4 pages or more read in ranges of 2, two at once."""
    database_url = recreate_database(POSTGRES_URL, f"{TEST_DATABASE}_split")
    folder = tmp_path_factory.mktemp("split")
    stack = Stack(
        {
            **S3_ENV,
            "AWS_DEFAULT_REGION": "us-east-1",
            "DATABASE_URL": database_url,
            "REDIS_URL": f"{REDIS_BASE_URL}/11",
            "STORAGE_URL": f"s3://ocrapp-split-{os.getpid()}/stack",
            "S3_ENDPOINT_URL": s3_endpoint,
            **own_namespace("split"),
            "OCR_ENGINE": "tesseract",
            "WORKER_CONCURRENCY": "2",
            "SPLIT_PAGES": "4",
            "RANGE_PAGES": "2",
            "SPLIT_WIDTH": "2",
            "MAX_ATTEMPTS": "2",
        },
        folder,
    )
    stack.cli("storage", "init")
    stack.database = database_url.replace("+psycopg", "")
    with stack.running():
        yield stack


def long_document() -> bytes:
    """Eight scanned pages, each naming its number in words, slow enough to read."""
    lines = [f"the quick brown fox jumps over the lazy dog {n}" for n in range(12)]
    return image_pdf([page_image([f"page {word} of the split file", *lines]) for word in WORDS])


def ranges(stack, task_id: str) -> list[tuple]:
    """Return the task's ranges: first, last, status, attempts, worker, started, finished."""
    with psycopg.connect(stack.database) as connection:
        return connection.execute(
            "SELECT first, last, status, attempts, worker, started_at, finished_at"
            " FROM task_ranges WHERE task_id = %s ORDER BY first",
            (task_id,),
        ).fetchall()


def scalar(stack, query: str, *parameters):
    with psycopg.connect(stack.database) as connection:
        return connection.execute(query, parameters).fetchone()[0]


def follow(socket, task_id: str, on_update=None) -> list[dict]:
    """Collect the task's updates until it ends, calling `on_update` with each."""
    updates = []
    while not updates or updates[-1]["status"] not in FINAL:
        message = socket.receive(timeout=240)
        if message["type"] == "task_update" and message["data"]["taskId"] == task_id:
            updates.append(message["data"])
            if on_update:
                on_update(message["data"])
    return updates


def pages_done(update: dict) -> int | None:
    """The pages done that a split task's progress update counts."""
    found = re.search(r"\((\d+) of \d+ pages\)", update["message"])
    return found and int(found.group(1))


def test_ranges_run_at_once_and_the_result_is_in_page_order(split_stack, open_socket):
    token = create_user(split_stack)
    socket = open_socket(split_stack.url, token)
    task = upload(split_stack, token, long_document(), "long.pdf")
    updates = follow(socket, task["taskId"])
    assert statuses(updates) == ["queued", "processing", "completed"], updates[-1]

    done = [pages_done(u) for u in updates if pages_done(u)]
    assert done == list(range(1, 9))  # every page reported once, as it was stored
    progress = [u["progress"] for u in updates]
    assert progress == sorted(progress) and progress[-1] == 100

    rows = ranges(split_stack, task["taskId"])
    assert [(first, last) for first, last, *_ in rows] == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert {row[2] for row in rows} == {"done"} and {row[3] for row in rows} == {1}
    spans = [(started, finished) for *_, started, finished in rows]
    assert any(a[0] < b[1] and b[0] < a[1] for a in spans for b in spans if a != b)

    result = fetch(split_stack, token, f"/api/tasks/{task['taskId']}/result").json()
    assert [page["number"] for page in result["pages"]] == list(range(1, 9))
    for page, word in zip(result["pages"], WORDS, strict=True):
        assert word in page["text"].lower()
    text = fetch(split_stack, token, f"/api/tasks/{task['taskId']}/result?format=txt").text
    places = [text.lower().index(f"page {word}") for word in WORDS]
    assert places == sorted(places)
    pdf = fetch(split_stack, token, f"/api/tasks/{task['taskId']}/result?format=pdf").content
    layer = [page.get_textpage().get_text_range().lower() for page in pdfium.PdfDocument(pdf)]
    assert [word in text for word, text in zip(WORDS, layer, strict=True)] == [True] * 8
    assert scalar(split_stack, RESULTS, task["taskId"]) == 1
    assert fetch(split_stack, token, f"/api/tasks/{task['taskId']}").json()["attempts"] == 1


def test_another_users_task_starts_before_the_ranges_are_all_done(split_stack, open_socket):
    big_token, small_token = create_user(split_stack), create_user(split_stack)
    socket = open_socket(split_stack.url, big_token)
    big = upload(split_stack, big_token, long_document(), "big.pdf")
    small = {}

    def submit_small(update: dict) -> None:
        if pages_done(update) == 1 and not small:  # the big task's first ranges are running
            pages = [page_image([f"small page {n}"]) for n in (1, 2)]
            small.update(upload(split_stack, small_token, image_pdf(pages), "small.pdf"))

    assert follow(socket, big["taskId"], submit_small)[-1]["status"] == "completed"
    wait_for(
        lambda: (
            fetch(split_stack, small_token, f"/api/tasks/{small['taskId']}").json()["status"]
            == "completed"
        ),
        120,
        "the small task",
    )
    small_started = scalar(
        split_stack, "SELECT started_at FROM tasks WHERE id = %s", small["taskId"]
    )
    last_range_started = max(row[5] for row in ranges(split_stack, big["taskId"]))
    assert small_started < last_range_started


def test_cancelling_stops_every_range(split_stack, open_socket):
    token = create_user(split_stack)
    socket = open_socket(split_stack.url, token)
    task = upload(split_stack, token, long_document(), "cancelled.pdf")

    def cancel(update: dict) -> None:
        if pages_done(update) == 1:
            url = f"{split_stack.url}/api/tasks/{task['taskId']}/cancel"
            assert requests.post(url, headers=auth(token), timeout=10).status_code == 202

    updates = follow(socket, task["taskId"], cancel)
    assert statuses(updates) == ["queued", "processing", "cancelled"]
    # Ranges 3 and 4 (pages 5 to 8) were never sent; 1 and 2 stopped at their next page.
    rows = ranges(split_stack, task["taskId"])
    assert [row[2] for row in rows[2:]] == ["waiting", "waiting"]
    follow_up = upload(split_stack, token, image_pdf([page_image(["after"])]), "after.pdf")
    assert follow(socket, follow_up["taskId"])[-1]["status"] == "completed"
    stored = "SELECT count(*) FROM task_pages WHERE task_id = %s"
    assert scalar(split_stack, stored, task["taskId"]) <= 4
    assert scalar(split_stack, RESULTS, task["taskId"]) == 0
    # The pages read stay readable; the images kept for the searchable PDF go, each
    # range removing its own as it stops (the last one after `cancelled` was sent).
    kept = lambda: [key for key in stored_keys(split_stack) if task["taskId"] in key]  # noqa: E731
    wait_for(lambda: not any(key.endswith(".jpg") for key in kept()), 60, "images removed")
    assert any(key.endswith(".json") for key in kept())


def test_a_range_whose_worker_is_killed_is_redone_alone(split_stack, open_socket):
    token = create_user(split_stack)
    socket = open_socket(split_stack.url, token)
    task = upload(split_stack, token, long_document(), "killed.pdf")
    killed = []

    def kill_a_running_range(update: dict) -> None:
        if pages_done(update) != 1 or killed:
            return
        running = [row for row in ranges(split_stack, task["taskId"]) if row[2] == "running"]
        first, worker = running[0][0], running[0][4]
        os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)
        killed.append(first)

    updates = follow(socket, task["taskId"], kill_a_running_range)
    assert killed and updates[-1]["status"] == "completed", updates[-1]
    attempts = {row[0]: row[3] for row in ranges(split_stack, task["taskId"])}
    assert attempts == {first: 2 if first == killed[0] else 1 for first in (1, 3, 5, 7)}
    assert fetch(split_stack, token, f"/api/tasks/{task['taskId']}").json()["attempts"] == 2
    result = fetch(split_stack, token, f"/api/tasks/{task['taskId']}/result").json()
    assert [page["number"] for page in result["pages"]] == list(range(1, 9))
    assert scalar(split_stack, RESULTS, task["taskId"]) == 1
