"""A task's pages, listed and read one by one while the task still runs."""

from ocrapp.core.db import db
from ocrapp.core.models import Task, TaskPage, TaskStatus
from ocrapp.core.storage import RESULT_FORMATS, get_storage, page_key
from tasks.pipeline import render
from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.layout import build_page
from tests.factories import set_task
from tests.helpers import auth, submit
from tests.images import text_image


def store_page(app, task_id: str, number: int, words: list[str]) -> None:
    """Store a recognised page of the task and its row, as a worker does."""
    fragments = [
        Fragment(word, 0.9, Box(10 + 60 * i, 10, 60 + 60 * i, 30)) for i, word in enumerate(words)
    ]
    page = build_page(fragments, number, 400, 100, skew=-1.5)
    with db.session() as session:
        task = session.get(Task, task_id)
        key = page_key(task.user_id, task_id, number)
        get_storage(app.config).put(key, render.page_json(page), RESULT_FORMATS["json"])
        session.add(
            TaskPage(
                task_id=task_id,
                number=number,
                source=page.source,
                rotation=page.rotation,
                skew=page.skew,
                word_count=page.word_count,
                confidence_score=page.confidence,
                result_key=key,
            )
        )


def running_task(app, client, token: str) -> str:
    """A task on page 2 of 3, its first page stored."""
    task_id = submit(client, token, text_image(["three"]), "Scan 7.png").get_json()["taskId"]
    set_task(task_id, status=TaskStatus.PROCESSING, page=2, page_count=3)
    store_page(app, task_id, 1, ["first", "page"])
    return task_id


def test_finished_pages_are_listed_with_links(app, client, make_user):
    _, token = make_user()
    task_id = running_task(app, client, token)
    listed = client.get(f"/api/tasks/{task_id}/pages", headers=auth(token))
    assert listed.status_code == 200
    body = listed.get_json()
    assert (body["taskId"], body["status"], body["pageCount"]) == (task_id, "processing", 3)
    assert body["pages"] == [
        {
            "number": 1,
            "source": "ocr",
            "rotation": 0,
            "skew": -1.5,
            "wordCount": 2,
            "confidence": 0.9,
            "links": {
                "json": f"/api/tasks/{task_id}/pages/1?format=json",
                "txt": f"/api/tasks/{task_id}/pages/1?format=txt",
            },
        }
    ]


def test_a_finished_page_is_read_while_the_task_runs(app, client, make_user):
    _, token = make_user()
    task_id = running_task(app, client, token)
    page = client.get(f"/api/tasks/{task_id}/pages/1", headers=auth(token))
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "application/json"
    assert page.headers["Content-Disposition"].startswith('inline; filename="Scan 7-page-1.json"')
    assert page.get_json()["number"] == 1 and page.get_json()["text"] == "first page"
    text = client.get(f"/api/tasks/{task_id}/pages/1?format=txt", headers=auth(token))
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.data == b"first page\n"  # as the task's txt result writes a page


def test_a_page_not_read_yet_is_not_ready_and_one_past_the_end_not_found(app, client, make_user):
    _, token = make_user()
    task_id = running_task(app, client, token)
    for number, code in [(2, "page_not_ready"), (4, "page_not_found")]:
        answer = client.get(f"/api/tasks/{task_id}/pages/{number}", headers=auth(token))
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, code)
    set_task(task_id, status=TaskStatus.FAILED)
    answer = client.get(f"/api/tasks/{task_id}/pages/2", headers=auth(token))
    assert answer.get_json()["error"]["code"] == "page_not_found"
    assert client.get(f"/api/tasks/{task_id}/pages/1", headers=auth(token)).status_code == 200


def test_a_queued_task_has_no_pages_yet(app, client, make_user):
    _, token = make_user()
    task_id = submit(client, token, text_image(["wait"])).get_json()["taskId"]
    listed = client.get(f"/api/tasks/{task_id}/pages", headers=auth(token)).get_json()
    assert (listed["pages"], listed["pageCount"]) == ([], None)
    answer = client.get(f"/api/tasks/{task_id}/pages/1?format=txt", headers=auth(token))
    assert answer.get_json()["error"]["code"] == "page_not_ready"
    past = client.get(f"/api/tasks/{task_id}/pages/2", headers=auth(token))
    assert past.get_json()["error"]["code"] == "page_not_found"  # its file has one page


def test_another_users_pages_are_not_found(app, client, make_user):
    _, owner = make_user()
    _, stranger = make_user()
    task_id = running_task(app, client, owner)
    for path in ("pages", "pages/1"):
        answer = client.get(f"/api/tasks/{task_id}/{path}", headers=auth(stranger))
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "task_not_found")


def test_a_page_number_or_format_out_of_range_is_refused(app, client, make_user):
    _, token = make_user()
    task_id = running_task(app, client, token)
    for query in ("pages/0", "pages/1?format=pdf"):
        answer = client.get(f"/api/tasks/{task_id}/{query}", headers=auth(token))
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "invalid_request")
