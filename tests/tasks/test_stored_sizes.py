"""What the worker stores is recorded with its size, for the user's quota."""

from pathlib import Path

from ocrapp.core.db import db
from ocrapp.core.models import Result, Task, TaskPage
from tasks.pages import store_page
from tasks.pipeline.document import Page
from tasks.results import save_result
from tests.conftest import on_both_databases
from tests.factories import queued_task


@on_both_databases
def test_the_worker_records_the_bytes_it_stores(app, make_user):
    user_id, _ = make_user()
    task_id = queued_task(user_id)
    page = Page(number=1, width=100, height=50)
    with app.app_context(), db.session() as session:
        task = session.get(Task, task_id)
    with app.app_context():
        store_page(task, page)
        save_result(task, [page], b"%PDF-1.7 " + bytes(10_000), {"name": "easyocr"})
    folder = Path(app.config["STORAGE_URL"].removeprefix("file://")) / f"users/{user_id}"
    stored = {path.name: path.stat().st_size for path in folder.rglob("*") if path.is_file()}
    with db.session() as session:
        page_row = session.query(TaskPage).filter_by(task_id=task_id).one()
        result_row = session.query(Result).filter_by(task_id=task_id).one()
        assert page_row.size_bytes == stored.pop("1.json") > 0
        assert result_row.size_bytes == sum(stored.values()) > 10_000
    assert set(stored) == {f"result.{kind}" for kind in ("json", "txt", "html", "hocr", "pdf")}
