"""Deleting a task: nothing of it is left in storage, the database or the update history."""

import boto3
from sqlalchemy import func, select

from ocrapp.core import deletion
from ocrapp.core.db import db
from ocrapp.core.models import (
    ApiToken,
    File,
    Result,
    Task,
    TaskPage,
    TaskStatus,
    User,
    WebhookEndpoint,
)
from ocrapp.core.storage import RESULT_FORMATS, get_storage, page_key, result_key
from ocrapp.realtime.events import history
from tests.factories import set_task
from tests.helpers import auth, submit
from tests.images import text_image
from tests.stack import free_port, start_moto_server


def finished_task(app, client, token: str) -> str:
    """Submit a file, then store a page and every result of it, as a worker would."""
    task_id = submit(client, token, text_image(["gone"]), "scan.png").get_json()["taskId"]
    storage = get_storage(app.config)
    with db.session() as session:
        task = session.get(Task, task_id)
        key = page_key(task.user_id, task_id, 1)
        storage.put(key, b"{}", RESULT_FORMATS["json"])
        session.add(
            TaskPage(
                task_id=task_id,
                number=1,
                source="ocr",
                word_count=1,
                confidence_score=0.9,
                result_key=key,
            )
        )
        for result_format in RESULT_FORMATS:
            storage.put(result_key(task.user_id, task_id, result_format), b"x", "text/plain")
        session.add(
            Result(
                task_id=task_id,
                result_key=result_key(task.user_id, task_id, "html"),
                extracted_text="gone",
                confidence_score=0.9,
                word_count=1,
                page_count=1,
            )
        )
    set_task(task_id, page_count=1)
    return task_id


def rows_of(task_id: str) -> int:
    """Count the database rows that belong to the task."""
    with db.session() as session:
        file_ids = select(Task.file_id).where(Task.id == task_id).scalar_subquery()
        return sum(
            session.scalar(select(func.count()).select_from(model).where(column))
            for model, column in [
                (Task, Task.id == task_id),
                (File, File.id == file_ids),
                (TaskPage, TaskPage.task_id == task_id),
                (Result, Result.task_id == task_id),
            ]
        )


def test_delete_removes_files_rows_and_updates(app, client, make_user, tmp_path):
    user_id, token = make_user()
    task_id = finished_task(app, client, token)
    kept = submit(client, token, text_image(["kept"]), "kept.png").get_json()["taskId"]
    assert any(message["data"]["taskId"] == task_id for message in history(app.config, user_id))
    assert any(task_id in str(path) for path in (tmp_path / "storage").rglob("*"))

    response = client.delete(f"/api/tasks/{task_id}", headers=auth(token))

    assert response.status_code == 204
    files = [str(path) for path in (tmp_path / "storage").rglob("*") if path.is_file()]
    assert not [path for path in files if task_id in path]
    assert len(files) == 1  # the other task's upload
    assert rows_of(task_id) == 0
    updates = [message["data"]["taskId"] for message in history(app.config, user_id)]
    assert task_id not in updates and kept in updates
    assert client.get(f"/api/tasks/{task_id}", headers=auth(token)).status_code == 404
    again = client.delete(f"/api/tasks/{task_id}", headers=auth(token))
    assert again.status_code == 404
    assert again.get_json()["error"]["code"] == "task_not_found"
    assert client.get(f"/api/tasks/{kept}", headers=auth(token)).status_code == 200


def test_another_users_task_is_not_found_and_kept(app, client, make_user):
    _, owner = make_user()
    _, stranger = make_user()
    task_id = submit(client, owner, text_image(["mine"])).get_json()["taskId"]
    assert client.delete(f"/api/tasks/{task_id}", headers=auth(stranger)).status_code == 404
    assert client.get(f"/api/tasks/{task_id}", headers=auth(owner)).status_code == 200


def test_a_running_task_is_cancelled_and_deleted(app, client, make_user):
    _, token = make_user()
    task_id = submit(client, token, text_image(["busy"])).get_json()["taskId"]
    set_task(task_id, status=TaskStatus.PROCESSING)
    assert client.delete(f"/api/tasks/{task_id}", headers=auth(token)).status_code == 204
    assert rows_of(task_id) == 0


def test_delete_empties_the_task_in_s3(app, client, make_user, s3_endpoint):
    app.config["STORAGE_URL"] = "s3://delete-test/tenant"
    app.config["S3_ENDPOINT_URL"] = s3_endpoint
    get_storage(app.config).init()
    _, token = make_user()
    task_id = finished_task(app, client, token)
    bucket = boto3.client("s3", endpoint_url=s3_endpoint)
    listed = bucket.list_objects_v2(Bucket="delete-test", Prefix="tenant/")
    assert sum(task_id in item["Key"] for item in listed["Contents"]) == 6

    assert client.delete(f"/api/tasks/{task_id}", headers=auth(token)).status_code == 204

    listed = bucket.list_objects_v2(Bucket="delete-test", Prefix="tenant/")
    assert listed.get("KeyCount", 0) == 0


def objects_in(bucket, endpoint: str) -> list[str]:
    """The keys of every object in `bucket` of the S3 server at `endpoint`."""
    listed = boto3.client("s3", endpoint_url=endpoint).list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_delete_while_s3_is_away_keeps_the_task_to_delete_again(app, client, make_user, tmp_path):
    port = free_port()
    server, endpoint = start_moto_server(tmp_path, port)
    app.config["STORAGE_URL"] = "s3://away-test/tenant"
    app.config["S3_ENDPOINT_URL"] = endpoint
    storage = get_storage(app.config)
    storage.init()
    _, token = make_user()
    task_id = finished_task(app, client, token)
    kept = objects_in("away-test", endpoint)
    assert len(kept) == 7  # the upload, a page, five results
    server.stop()

    refused = client.delete(f"/api/tasks/{task_id}", headers=auth(token))

    assert refused.status_code == 503
    assert refused.get_json()["error"]["code"] == "storage_unavailable"
    assert rows_of(task_id) == 4  # the task, its file, its page and its result
    assert client.get(f"/api/tasks/{task_id}", headers=auth(token)).status_code == 200
    # moto keeps its objects in memory: the server back, they are put there again.
    server, endpoint = start_moto_server(tmp_path, port)
    try:
        storage.init()
        for key in kept:
            storage.put(key.removeprefix("tenant/"), b"x", "text/plain")
        again = client.delete(f"/api/tasks/{task_id}", headers=auth(token))
        assert again.status_code == 204
        assert objects_in("away-test", endpoint) == []
        assert rows_of(task_id) == 0
    finally:
        server.stop()


def test_deleting_a_user_removes_all_they_kept_and_no_one_elses(app, client, make_user, tmp_path):
    user_id, token = make_user()
    _, other = make_user()
    finished_task(app, client, token)
    queued = submit(client, token, text_image(["queued"]), "queued.png").get_json()["taskId"]
    kept = finished_task(app, client, other)
    hook = {"url": "https://93.184.216.34/ocr", "events": ["task.completed"]}
    assert client.post("/api/webhooks", headers=auth(token), json=hook).status_code == 201
    get_storage(app.config).put(f"users/{user_id}/uploads/orphan.png", b"x", "image/png")

    with app.app_context():  # as the CLI runs it
        assert deletion.delete_user(user_id) == 2

    stored = [path for path in (tmp_path / "storage").rglob("*") if path.is_file()]
    assert stored and not [path for path in stored if f"users/{user_id}/" in str(path)]
    with db.session() as session:
        for model in (User, ApiToken, Task, File, WebhookEndpoint):
            owned = select(func.count()).select_from(model).where(model_owner(model) == user_id)
            assert session.scalar(owned) == 0, model.__name__
        assert session.get(Task, kept) is not None and session.get(Task, queued) is None
    assert client.get("/api/tasks", headers=auth(token)).status_code == 401
    assert client.get(f"/api/tasks/{kept}", headers=auth(other)).status_code == 200
    with app.app_context():
        assert deletion.delete_user(user_id) is None


def model_owner(model):
    """The column that names a row's user."""
    return model.id if model is User else model.user_id
