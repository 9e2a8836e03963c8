"""Cancelling a running task on real processes: it stops between pages, the worker stays up."""

import pytest
import requests

from tests.documents import image_pdf, page_image
from tests.helpers import create_user, statuses, upload, wait_for_engines, worker_child
from tests.images import text_image

pytestmark = pytest.mark.slow


def test_a_running_task_stops_at_the_next_page_and_ends_cancelled(pg_stack, open_socket):
    token = create_user(pg_stack)
    socket = open_socket(pg_stack.url, token)
    pool_process = worker_child(pg_stack)
    pages = [page_image([f"page {n} of a long letter"]) for n in range(1, 6)]
    wait_for_engines(pg_stack, token, {"easyocr"})  # not the default: the API checks it
    task = upload(pg_stack, token, image_pdf(pages), "long.pdf", engine="easyocr")
    updates = []
    while not updates or updates[-1]["status"] not in ("completed", "failed", "cancelled"):
        message = socket.receive(timeout=120)
        if message["type"] != "task_update" or message["data"]["taskId"] != task["taskId"]:
            continue
        updates.append(message["data"])
        if updates[-1].get("page") == 1 and len(updates) == 3:  # queued, started, page 1
            response = requests.post(
                f"{pg_stack.url}/api/tasks/{task['taskId']}/cancel",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert response.status_code == 202
            assert response.json()["cancelRequested"] is True
    assert statuses(updates) == ["queued", "processing", "cancelled"]
    assert max(update.get("page") or 0 for update in updates) < 5
    assert any(update["message"].startswith("Cancelling") for update in updates)

    # The same pool process, its model still loaded, reads the next file.
    follow_up = upload(pg_stack, token, text_image(["after the cancel"]), "next.png")
    assert socket.updates_until_finished(follow_up["taskId"])[-1]["status"] == "completed"
    assert worker_child(pg_stack) == pool_process
