"""`Client.wait`: updates over a real WebSocket, reopened with `since=` when the server
drops it, and long polling when no socket can be opened."""

import logging
import threading

import pytest

from ocrapp.client import Client, following
from ocrapp.core import lifecycle


def test_wait_reopens_a_dropped_socket_with_since_and_misses_no_update(
    app, api_client, image, caplog
):
    task_id = api_client.submit(image).task_id  # nothing serves its queue: we move it
    hub = app.extensions["hub"]
    seen = []

    def step(task) -> None:
        seen.append((task.status, task.progress))
        with app.app_context():
            if task.status == "queued":
                lifecycle.mark_processing(task_id)
            elif task.progress == 0:
                # The server closes every socket (as on SIGTERM); these two updates are
                # published while this client has none, and come back by `since`.
                hub.close_all()
                lifecycle.report_progress(task_id, 50, "Page 1 of 2")
                lifecycle.mark_completed(task_id)

    with caplog.at_level(logging.INFO, "ocrapp.client"):
        final = api_client.wait(task_id, on_update=step, timeout=60)
    assert final.status == "completed" and final.progress == 100
    assert seen == [("queued", 0), ("processing", 0), ("processing", 50), ("completed", 100)]
    assert "reopening with since=" in caplog.text


def test_wait_backs_off_from_a_socket_that_keeps_dropping_then_long_polls(
    app, api_client, image, caplog, monkeypatch
):
    monkeypatch.setattr(following, "REOPEN_ATTEMPTS", 2)
    task_id = api_client.submit(image).task_id
    hub = app.extensions["hub"]

    def drop_every_socket_until_polled() -> None:
        # Every socket is closed as soon as it opens, until the client long-polls instead.
        while "by long polling" not in caplog.text:
            hub.close_all()
            threading.Event().wait(0.05)
        with app.app_context():
            lifecycle.mark_completed(task_id)

    dropper = threading.Thread(target=drop_every_socket_until_polled, daemon=True)

    def step(task) -> None:
        if task.status == "queued" and not dropper.is_alive():
            with app.app_context():
                lifecycle.mark_processing(task_id)
            dropper.start()

    with caplog.at_level(logging.INFO, "ocrapp.client"):
        final = api_client.wait(task_id, on_update=step, timeout=60)
    assert final.status == "completed"
    assert "dropped 3 times in a row" in caplog.text


def test_wait_long_polls_through_a_proxy_that_passes_no_websocket(
    app, flaky, make_user, image, caplog
):
    _, token = make_user()
    client = Client(flaky.url, token)
    task_id = client.submit(image).task_id
    with app.app_context():
        lifecycle.mark_processing(task_id)
    seen = []

    def step(task) -> None:
        seen.append(task.status)
        if task.status == "processing":
            with app.app_context():
                lifecycle.mark_failed(task_id, "invalid_image", "The image is broken.")

    with caplog.at_level(logging.INFO, "ocrapp.client"):
        final = client.wait(task_id, on_update=step, timeout=60)
    assert seen == ["processing", "failed"]
    assert final.error.code == "invalid_image"
    assert "by long polling" in caplog.text
    assert any("wait=" in path for _, path, _ in flaky.seen)


def test_wait_gives_up_after_its_timeout(api_client, image):
    task_id = api_client.submit(image).task_id
    with pytest.raises(TimeoutError):
        api_client.wait(task_id, timeout=1)
