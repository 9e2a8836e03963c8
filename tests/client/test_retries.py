"""Retries against a real HTTP server in front of the app: 503 with Retry-After, then the
answer; a submission retried with its Idempotency-Key makes one task."""

import uuid

import pytest
import redis

from ocrapp.client import ApiError, Client
from ocrapp.core import capabilities


# `lose`: the app took the upload, but its answer was lost: the retry gets the same task.
@pytest.mark.parametrize("first", [(503, "1"), "lose"])
def test_a_submission_is_retried_with_the_same_key_and_makes_one_task(
    flaky, make_user, image, first
):
    _, token = make_user()
    flaky.plan = [first]
    with Client(flaky.url, token) as client:
        task = client.submit(image)
        listed = client.request("GET", "/api/tasks").json()
    (post, key), (again, same_key) = [(m, k) for m, p, k in flaky.seen if p == "/api/tasks"][:2]
    assert post == again == "POST" and key and same_key == key
    assert flaky.arrivals[1] - flaky.arrivals[0] >= 1  # as Retry-After said
    assert [listed_task["taskId"] for listed_task in listed["tasks"]] == [task.task_id]
    assert task.status == "queued" and task.filename == "letter.png"


def test_a_get_is_retried_but_a_cancel_and_a_long_retry_after_are_not(flaky, make_user, image):
    _, token = make_user()
    with Client(flaky.url, token) as client:
        task = client.submit(image)
        flaky.plan = [(503, "0"), (503, "0")]
        assert client.task(task.task_id).status == "queued"
        assert len(flaky.seen) == 4  # the submission, then the GET three times
        flaky.plan = [(503, "0")]
        with pytest.raises(ApiError) as refused:
            client.cancel(task.task_id)
        assert (refused.value.status, refused.value.code) == (503, "unavailable")
        assert refused.value.unavailable and len(flaky.seen) == 5
        flaky.plan = [(429, "3600")]
        with pytest.raises(ApiError) as quota:
            client.task(task.task_id)
        assert quota.value.status == 429 and len(flaky.seen) == 6


@pytest.mark.parametrize("call", ["submit", "task"])
def test_a_413_with_a_retry_after_is_sent_once(flaky, make_user, image, call):
    """urllib3 retries a 413 that has a Retry-After: an upload too large went five times."""
    _, token = make_user()
    with Client(flaky.url, token) as client:
        task_id = client.submit(image).task_id
        flaky.plan = [(413, "1")]
        with pytest.raises(ApiError) as refused:
            client.submit(image) if call == "submit" else client.task(task_id)
    assert refused.value.status == 413 and not refused.value.retried
    assert len(flaky.seen) == 2  # the first submission, then the refused request once


def test_a_delete_whose_answer_was_lost_is_retried_and_finds_the_task_gone(flaky, make_user, image):
    _, token = make_user()
    with Client(flaky.url, token) as client:
        task = client.submit(image)
        flaky.plan = ["lose"]  # deleted, then answered 503: the retry finds no task
        client.delete(task.task_id)
        assert [m for m, p, _ in flaky.seen if p.endswith(task.task_id)] == ["DELETE"] * 2
        with pytest.raises(ApiError) as gone:  # without a retry, 404 is an error
            client.delete(task.task_id)
    assert (gone.value.status, gone.value.code, gone.value.retried) == (
        404,
        "task_not_found",
        False,
    )


def test_errors_carry_the_status_code_and_message(api_client):
    with pytest.raises(ApiError) as missing:
        api_client.task("00000000-0000-4000-8000-000000000000")
    assert (missing.value.status, missing.value.code) == (404, "task_not_found")
    assert not missing.value.unavailable
    nowhere = Client("http://127.0.0.1:1", "token", retries=0)
    with pytest.raises(ApiError) as unreachable:
        nowhere.task("00000000-0000-4000-8000-000000000000")
    assert (unreachable.value.status, unreachable.value.code) == (None, "unreachable")
    assert unreachable.value.unavailable


def test_an_error_keeps_its_other_fields(app, api_client, image, monkeypatch):
    """unsupported_language lists the engine's `languages`: they were dropped."""
    # Engines of its own: the session's stack workers report theirs (German among them)
    # in the tests' namespace every heartbeat, and reports add up.
    monkeypatch.setitem(app.config, "EVENT_NAMESPACE", f"languages-{uuid.uuid4().hex[:8]}")
    capabilities.register_engines(
        app.config, {"tesseract": {"languages": ["eng"], "device": "cpu"}}
    )
    try:
        with pytest.raises(ApiError) as refused:
            api_client.submit(image, engine="tesseract", languages=["deu"])
    finally:
        redis.Redis.from_url(app.config["REDIS_URL"]).delete(capabilities._key(app.config))
    assert (refused.value.code, refused.value.details) == (
        "unsupported_language",
        {"languages": ["eng"]},
    )
    assert refused.value.as_json()["languages"] == ["eng"]
