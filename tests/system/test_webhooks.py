"""Webhooks from the whole stack (web, worker, webhooks, beat) to real receivers."""

import os
from collections import defaultdict

import pytest
import requests
from standardwebhooks import Webhook

from tests.conftest import REDIS_BASE_URL
from tests.documents import image_pdf, page_image
from tests.helpers import auth, create_user, fetch, upload
from tests.stack import Stack, wait_for
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.slow
EVENTS = ["task.completed", "task.failed", "task.cancelled", "page.completed"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The stack with loopback http receivers allowed, and retries seconds apart."""
    folder, name = tmp_path_factory.mktemp("webhooks"), f"webhooks-{os.getpid()}"
    stack = Stack.embedded(
        folder / "instance",
        {
            "REDIS_URL": f"{REDIS_BASE_URL}/11",
            "EVENT_NAMESPACE": name,
            "OCR_QUEUE": name,
            "WEBHOOK_QUEUE": f"{name}-webhooks",
            "OCR_ENGINE": "tesseract",
            "WEBHOOK_ALLOW_HTTP": "true",
            "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
            "WEBHOOK_BACKOFF": "0.2",
            "WEBHOOK_SWEEP_INTERVAL": "0.5",
            # A try at a receiver that never answers outlasts a one-page task.
            "WEBHOOK_TIMEOUT": "10",
        },
        folder,
    )
    with stack.running(names=("web", "worker", "webhooks", "beat")):
        yield stack


def subscribe(stack, token: str, url: str, events=EVENTS) -> dict:
    response = requests.post(
        f"{stack.url}/api/webhooks",
        headers=auth(token),
        json={"url": url, "events": events},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def finished(stack, token: str, task_id: str) -> dict:
    def task() -> dict:
        return fetch(stack, token, f"/api/tasks/{task_id}").json()

    wait_for(lambda: task()["status"] in ("completed", "failed"), 180, f"{task_id} ended")
    return task()


def deliveries(stack, token: str, webhook_id: str) -> list[dict]:
    return fetch(stack, token, f"/api/webhooks/{webhook_id}/deliveries").json()["deliveries"]


def test_each_event_is_delivered_once_signed_with_one_id_across_retries(stack):
    token = create_user(stack)
    with Receiver([(500, {}), (502, {})]) as receiver:
        webhook = subscribe(stack, token, receiver.url)
        pdf = image_pdf([page_image([f"webhook page {n}"]) for n in (1, 2)])
        task_id = upload(stack, token, pdf, "two.pdf")["taskId"]
        assert finished(stack, token, task_id)["status"] == "completed"
        # Three events (two pages, the end), the first two tries refused: five requests.
        received = receiver.wait_for(5)
        wait_for(
            lambda: {d["status"] for d in deliveries(stack, token, webhook["id"])} == {"delivered"},
            60,
            "every delivery delivered",
        )
    by_id = defaultdict(list)
    for request in received:
        body = Webhook(webhook["secret"]).verify(request.body, request.headers)
        by_id[request.headers["webhook-id"]].append((request.status, body))
    assert len(received) == 5 and len(by_id) == 3
    for tries in by_id.values():  # retried with the same id and body until one 200
        assert [status for status, _ in tries][-1] == 200
        assert [status for status, _ in tries].count(200) == 1
        assert all(body == tries[0][1] for _, body in tries)
    bodies = [tries[-1][1] for tries in by_id.values()]
    pages = [body["data"]["completedPage"] for body in bodies if body["type"] == "page.completed"]
    assert sorted(page["number"] for page in pages) == [1, 2]
    [end] = [body for body in bodies if body["type"] == "task.completed"]
    assert end["data"]["taskId"] == task_id and end["data"]["result"]["pageCount"] == 2
    assert end["data"]["links"]["results"]["txt"] == f"/api/tasks/{task_id}/result?format=txt"
    listed = deliveries(stack, token, webhook["id"])
    assert sum(len(delivery["attempts"]) for delivery in listed) == 5


def test_a_receiver_that_never_answers_does_not_delay_ocr(stack):
    """The first page's try is still waiting on the receiver when the task completes."""
    token = create_user(stack)
    with Receiver(hang=True) as receiver:
        webhook = subscribe(stack, token, receiver.url, ["page.completed", "task.completed"])
        pdf = image_pdf([page_image(["no wait"])])
        task = finished(stack, token, upload(stack, token, pdf, "one.pdf")["taskId"])
        assert task["status"] == "completed"
        assert receiver.received == []  # nothing answered yet
        assert {d["status"] for d in deliveries(stack, token, webhook["id"])} == {"pending"}
        wait_for(
            lambda: any(d["attempts"] for d in deliveries(stack, token, webhook["id"])),
            60,
            "a timed-out try",
        )
        tries = [a for d in deliveries(stack, token, webhook["id"]) for a in d["attempts"]]
    first = min(tries, key=lambda attempt: attempt["attemptedAt"])
    assert first["statusCode"] is None and "timed out" in first["error"].lower()
    # Recorded when the try ended: after the task, which did not wait for it.
    assert task["finishedAt"] < first["attemptedAt"]


def test_a_users_receivers_that_never_answer_do_not_delay_another_users(stack):
    # Nine tries waiting on receivers that never answer, more than the webhooks worker's
    # eight threads: the other user's delivery still goes out at once, not once they end.
    slow_token, token = create_user(stack), create_user(stack)
    with Receiver(hang=True) as hanging, Receiver() as receiver:
        slow_hooks = [
            subscribe(stack, slow_token, f"{hanging.url}/{n}", ["task.completed"]) for n in range(9)
        ]
        pdf = image_pdf([page_image(["slow receivers"])])
        finished(stack, slow_token, upload(stack, slow_token, pdf, "slow.pdf")["taskId"])
        subscribe(stack, token, receiver.url, ["task.completed"])
        finished(stack, token, upload(stack, token, pdf, "mine.pdf")["taskId"])
        receiver.wait_for(1)
        # None of the slow user's tries has ended (each waits WEBHOOK_TIMEOUT, 10 s).
        tried = [
            d["attempts"] for hook in slow_hooks for d in deliveries(stack, slow_token, hook["id"])
        ]
        assert tried and not any(tried)


def test_private_addresses_are_refused_where_not_allowed(tmp_path):
    stack = Stack.embedded(
        tmp_path / "instance",
        {"REDIS_URL": f"{REDIS_BASE_URL}/11", "EVENT_NAMESPACE": f"strict-{os.getpid()}"},
        tmp_path,
    )
    with stack.running(names=("web",)):
        token = create_user(stack)
        for url in ("https://127.0.0.1/hooks", "https://169.254.169.254/", "http://example.com/"):
            response = requests.post(
                f"{stack.url}/api/webhooks",
                headers=auth(token),
                json={"url": url, "events": EVENTS},
                timeout=30,
            )
            assert response.status_code == 422, url
            assert response.json()["error"]["code"] == "webhook_url_refused"
