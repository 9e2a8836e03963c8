"""The HTTP API in this process, on PostgreSQL, Redis and a storage folder."""

import io
import threading
from datetime import timedelta

import pytest
import redis

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import File, Task, TaskStatus, utcnow
from ocrapp.core.scheduling import queue_name
from ocrapp.core.storage import get_storage
from tests.documents import text_pdf
from tests.factories import queued_task, set_task
from tests.helpers import auth, submit
from tests.images import text_image
from tests.stack import wait_for


def test_submit_stores_file_records_task_and_enqueues(app, client, make_user):
    _, token = make_user()
    image = text_image(["hello"])
    response = submit(client, token, image, "scan.png")
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued"
    assert body["filename"] == "scan.png"
    assert body["queuePosition"] == 1
    assert set(body) >= {"taskId", "fileId", "createdAt"}
    with db.session() as session:
        task = session.get(Task, body["taskId"])
        assert task.status is TaskStatus.QUEUED
        stored = get_storage(app.config).get(task.file.storage_key)
    assert stored == image
    broker = redis.Redis.from_url(app.config["BROKER_URL"])
    queued = broker.llen(queue_name(app.config, "small"))
    assert queued == 1


def test_a_pdf_is_recognised_by_its_content(app, client, make_user):
    _, token = make_user()
    response = submit(client, token, text_pdf([["whatever"]]), "scan.bin")
    assert response.status_code == 202
    with db.session() as session:
        file = session.get(Task, response.get_json()["taskId"]).file
        assert (file.file_type.value, file.content_type) == ("pdf", "application/pdf")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"engine": "tesseract"}, "engines_unknown"),
        ({"colour": "red"}, "invalid_request"),
        ({"languages": ""}, "invalid_request"),
        ({"languages": "eng+../x"}, "invalid_request"),
        ({"languages": "auto+deu"}, "invalid_request"),
        # Read as eng and deu: refused only for want of a worker here.
        ({"languages": "ENG+deu+"}, "engines_unknown"),
    ],
)
def test_submission_options_are_checked(app, client, make_user, fields, code):
    app.config["EVENT_NAMESPACE"] = "no-worker-registered-here"
    _, token = make_user()
    response = submit(client, token, text_image(["x"]), "x.png", **fields)
    assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("image_format", ["JPEG", "TIFF", "WEBP", "BMP", "GIF"])
def test_every_supported_image_type_is_accepted(client, make_user, image_format):
    _, token = make_user()
    response = submit(client, token, text_image(["x"], image_format), "picture")
    assert response.status_code == 202, response.get_json()


def test_queue_position_counts_tasks_waiting_before(client, make_user):
    _, token = make_user()
    positions = [
        submit(client, token, text_image([str(n)])).get_json()["queuePosition"] for n in range(3)
    ]
    assert positions == [1, 2, 3]


@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "Send an API token"), ({"Authorization": "Bearer nope"}, "not valid")],
)
def test_requests_without_a_valid_token_get_401(client, headers, message):
    response = client.get("/api/tasks", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert message in response.get_json()["error"]["message"]


def test_api_takes_the_token_from_the_header_only(client, make_user):
    _, token = make_user()
    response = client.get(f"/api/tasks?token={token}")
    assert response.status_code == 401


def test_missing_file_is_400(client, make_user):
    _, token = make_user()
    response = client.post("/api/tasks", headers=auth(token), data={})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_file"


def test_a_form_that_cannot_be_read_says_why(client, make_user):
    """A file name in Latin-1 (as curl sends one from such a disk): the form is unreadable."""
    _, token = make_user()
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="caf\xe9.png"\r\n\r\n'
        + text_image(["x"])
        + b"\r\n--b--\r\n"
    )
    headers = auth(token) | {"Content-Type": "multipart/form-data; boundary=b"}
    response = client.post("/api/tasks", headers=headers, data=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "missing_file" and "headers are not UTF-8" in error["message"]


def test_empty_file_is_400(client, make_user):
    _, token = make_user()
    response = submit(client, token, b"")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "empty_file"


def test_file_that_is_not_an_image_or_pdf_is_415_whatever_its_name(client, make_user):
    _, token = make_user()
    response = submit(client, token, b"PK\x03\x04 a zip archive", "photo.png")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    with db.session() as session:
        assert session.query(File).count() == 0


def test_upload_over_the_limit_is_413(app, client, make_user):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    _, token = make_user()
    response = submit(client, token, b"\x89PNG" + b"0" * 4096)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "file_too_large"


def test_a_form_over_its_own_limits_is_413_form_too_large_not_file_too_large(
    app, client, make_user
):
    app.config["MAX_FORM_PARTS"] = 5
    _, token = make_user()
    fields = {f"note{number}": "x" for number in range(10)}
    response = submit(client, token, text_image(["small"]), **fields)
    assert response.status_code == 413
    assert response.get_json()["error"] == {
        "code": "form_too_large",
        "message": "A form may have 5 parts at most.",
    }


def test_tasks_are_listed_newest_first_a_page_at_a_time(client, make_user):
    _, token = make_user()
    ids = [submit(client, token, text_image([str(n)])).get_json()["taskId"] for n in range(3)]
    first = client.get("/api/tasks?perPage=2", headers=auth(token)).get_json()
    second = client.get("/api/tasks?perPage=2&page=2", headers=auth(token)).get_json()
    assert [t["taskId"] for t in first["tasks"] + second["tasks"]] == ids[::-1]
    assert first["total"] == second["total"] == 3
    past_the_end = client.get("/api/tasks?perPage=2&page=3", headers=auth(token)).get_json()
    assert past_the_end["tasks"] == [] and past_the_end["total"] == 3


@pytest.mark.parametrize("query", ["perPage=0", "perPage=1000", "page=x", "colour=blue"])
def test_bad_list_parameters_are_400(client, make_user, query):
    _, token = make_user()
    response = client.get(f"/api/tasks?{query}", headers=auth(token))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"


def test_another_users_task_is_404_like_an_unknown_one(client, make_user):
    _, alice = make_user()
    _, bob = make_user()
    task_id = submit(client, bob, text_image(["bob's secret"])).get_json()["taskId"]
    for path in (
        f"/api/tasks/{task_id}",
        f"/api/tasks/{task_id}/result",
        "/api/tasks/00000000-0000-4000-8000-000000000000",
    ):
        response = client.get(path, headers=auth(alice))
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "task_not_found"
    assert client.get("/api/tasks", headers=auth(alice)).get_json()["total"] == 0
    assert client.get(f"/api/tasks/{task_id}", headers=auth(bob)).status_code == 200


def test_the_uploaded_file_is_served_back_to_its_owner_only(client, make_user):
    _, owner = make_user()
    _, other = make_user()
    image = text_image(["mine"])
    task_id = submit(client, owner, image, "scan 1.png").get_json()["taskId"]
    for query in ("", "?redirect=1"):  # a local folder has no signed URLs: served directly
        with client.get(f"/api/tasks/{task_id}/file{query}", headers=auth(owner)) as response:
            assert response.data == image and response.content_type == "image/png"
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith('attachment; filename="scan 1')
    assert client.get(f"/api/tasks/{task_id}/file", headers=auth(other)).status_code == 404


def test_result_of_an_unfinished_task_is_409(client, make_user):
    _, token = make_user()
    task_id = submit(client, token, text_image(["soon"])).get_json()["taskId"]
    response = client.get(f"/api/tasks/{task_id}/result", headers=auth(token))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "result_not_ready"


def test_unknown_route_is_a_json_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_task_id_that_is_no_uuid_says_so(client, make_user):
    # It answered werkzeug's "If you entered the URL manually please check your spelling".
    _, token = make_user()
    response = client.get("/api/tasks/not-a-uuid", headers=auth(token))
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and "task ids are UUIDs" in error["message"]


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


def test_readiness_names_what_is_unreachable(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"]["failing"] == ["redis"]
    assert "127.0.0.1" not in response.text  # the detail is logged, not shown


def test_a_redis_outage_at_submit_keeps_the_task_queued_in_the_outbox(app, client, make_user):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"
    app.extensions["celery"].conf.broker_connection_max_retries = 0
    _, token = make_user()
    response = submit(client, token, text_image(["lost?"]))
    assert response.status_code == 202
    assert response.get_json()["status"] == "queued"
    with db.session() as session:
        task = session.query(Task).one()
        assert task.status is TaskStatus.QUEUED and task.enqueued_at is None


def test_a_repeated_idempotency_key_gives_the_same_task(client, make_user):
    _, token = make_user()
    _, other = make_user()

    def post(user_token: str, key: str):
        return client.post(
            "/api/tasks",
            headers={**auth(user_token), "Idempotency-Key": key},
            data={"file": (io.BytesIO(text_image(["once"])), "once.png")},
        )

    first, again = post(token, "order-17"), post(token, "order-17")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.get_json()["taskId"] == first.get_json()["taskId"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert post(other, "order-17").get_json()["taskId"] != first.get_json()["taskId"]
    assert client.get("/api/tasks", headers=auth(token)).get_json()["total"] == 1


def test_an_update_that_cannot_be_published_does_not_stop_the_task(app, client, make_user):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # pub/sub down, the broker is not
    _, token = make_user()
    response = submit(client, token, text_image(["still queued"]))
    assert response.status_code == 202
    with db.session() as session:
        assert session.get(Task, response.get_json()["taskId"]).status is TaskStatus.QUEUED


def test_a_queued_task_is_cancelled_at_once_and_only_once(app, client, make_user):
    _, token = make_user()
    _, other = make_user()
    task_id = submit(client, token, text_image(["never read"])).get_json()["taskId"]
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=auth(other)).status_code == 404
    response = client.post(f"/api/tasks/{task_id}/cancel", headers=auth(token))
    assert response.status_code == 202
    assert response.get_json()["status"] == "cancelled"
    again = client.post(f"/api/tasks/{task_id}/cancel", headers=auth(token))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "task_finished"
    with app.app_context():
        assert lifecycle.mark_processing(task_id) is None  # a worker that gets it skips it


def test_a_tasks_updates_are_kept_and_listed_with_their_sequence(app, client, make_user):
    user_id, token = make_user()
    task_id = queued_task(user_id)
    with app.app_context():
        lifecycle.mark_processing(task_id)
        lifecycle.mark_failed(task_id, "invalid_image", "Unreadable.")
    events = client.get(f"/api/tasks/{task_id}/events", headers=auth(token)).get_json()["events"]
    assert [event["data"]["status"] for event in events] == ["processing", "failed"]
    assert events[0]["seq"] != events[1]["seq"]


def test_waiting_for_a_change_returns_as_soon_as_the_status_changes(app, make_user):
    user_id, token = make_user()
    task_id = queued_task(user_id)
    answers = []

    def long_poll() -> None:
        with app.test_client() as waiting_client:
            answers.append(waiting_client.get(f"/api/tasks/{task_id}?wait=30", headers=auth(token)))

    waiter = threading.Thread(target=long_poll)
    waiter.start()
    hub = app.extensions["hub"]
    wait_for(lambda: user_id in hub._inboxes, 10, "the long poll to subscribe")
    with app.app_context():
        lifecycle.mark_processing(task_id)
    waiter.join(timeout=20)
    assert answers[0].get_json()["status"] == "processing"


def test_waiting_without_a_change_answers_after_the_wait(client, make_user):
    user_id, token = make_user()
    task_id = queued_task(user_id)
    response = client.get(f"/api/tasks/{task_id}?wait=0.3", headers=auth(token))
    assert response.get_json()["status"] == "queued"


def test_a_submission_says_where_to_poll_and_when(app, client, make_user):
    user_id, token = make_user()
    first = submit(client, token, text_image(["first"]), "first.png")
    assert first.headers["Location"] == f"/api/tasks/{first.get_json()['taskId']}"
    assert first.headers["Retry-After"] == "2"  # no queue estimate yet
    set_task(first.get_json()["taskId"], status=TaskStatus.COMPLETED)
    set_task(
        first.get_json()["taskId"],
        started_at=utcnow() - timedelta(seconds=10),
        finished_at=utcnow(),
    )
    for _ in range(2):
        queued_task(user_id)
    third = submit(client, token, text_image(["third"]), "third.png")
    assert client.get(third.headers["Location"], headers=auth(token)).status_code == 200
    assert 18 <= int(third.headers["Retry-After"]) <= 20  # two tasks of 10 s ahead of it
