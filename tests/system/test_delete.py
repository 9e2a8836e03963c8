"""Deleting a task a worker has read: nothing of it is left in storage (a folder, S3) or Redis."""

import json

import pytest
import redis
import requests

from tests.documents import text_pdf
from tests.helpers import create_user, stored_keys, upload

pytestmark = pytest.mark.slow


def kept_updates(stack, task_id: str) -> list[str]:
    """The stack's Redis keys, and stream entries, of its namespace that mention the task."""
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    found = []
    for key in client.scan_iter(f"{stack.env['EVENT_NAMESPACE']}:*"):
        if task_id in key.decode():
            found.append(key.decode())
        elif client.type(key) == b"stream":
            entries = client.xrange(key)
            found += [
                key.decode()
                for _, fields in entries
                if task_id
                in json.dumps({name.decode(): value.decode() for name, value in fields.items()})
            ]
    return found


@pytest.mark.parametrize("stack_name", ["pg_stack", "sqlite_stack"], ids=["s3", "folder"])
def test_a_deleted_task_leaves_nothing_in_storage_the_database_or_redis(
    request, open_socket, stack_name
):
    stack = request.getfixturevalue(stack_name)
    token = create_user(stack)
    headers = {"Authorization": f"Bearer {token}"}
    socket = open_socket(stack.url, token)
    task = upload(stack, token, text_pdf([["first page"], ["second page"]]), "gone.pdf")
    task_id, file_id = task["taskId"], task["fileId"]
    assert socket.updates_until_finished(task_id)[-1]["status"] == "completed"
    ours = [key for key in stored_keys(stack) if task_id in key or file_id in key]
    assert len(ours) >= 8  # the upload, two pages, five results
    assert kept_updates(stack, task_id)

    url = f"{stack.url}/api/tasks/{task_id}"
    assert requests.delete(url, headers=headers, timeout=30).status_code == 204

    assert [key for key in stored_keys(stack) if task_id in key or file_id in key] == []
    assert kept_updates(stack, task_id) == []
    for answer in (
        requests.get(url, headers=headers, timeout=30),
        requests.get(f"{url}/pages", headers=headers, timeout=30),
        requests.delete(url, headers=headers, timeout=30),
    ):
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "task_not_found")
