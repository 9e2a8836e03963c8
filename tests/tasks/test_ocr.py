"""The OCR task: which errors it retries, the page cap it checks again, a deleted task."""

import botocore.exceptions
import pytest
import redis
import sqlalchemy.exc
from PIL import Image

from ocrapp.core import deletion
from ocrapp.core.db import db
from ocrapp.core.errors import InvalidImage, TooManyPages
from ocrapp.core.models import File, FileType, Task, User
from tasks.errors import TRANSIENT_ERRORS, TaskCancelled, describe
from tasks.ocr import recognize_file
from tasks.pages import open_pages, stop_if_cancelled, store_page, store_page_image
from tasks.pipeline.document import Page
from tasks.pipeline.sources import SourcePage
from tasks.results import save_result
from tests.documents import text_pdf
from tests.factories import queued_task


def test_unreachable_services_are_waited_out_and_bad_input_is_not():
    # tasks.retrying waits out TRANSIENT_ERRORS; Celery's own autoretry would use up runs.
    assert not getattr(recognize_file, "autoretry_for", None)
    assert isinstance(redis.ConnectionError(), TRANSIENT_ERRORS)
    assert isinstance(sqlalchemy.exc.OperationalError("x", {}, Exception()), TRANSIENT_ERRORS)
    assert not isinstance(InvalidImage("bad"), TRANSIENT_ERRORS)
    assert describe(redis.ConnectionError())[0] == "service_unavailable"
    unreachable_s3 = botocore.exceptions.EndpointConnectionError(endpoint_url="http://s3")
    assert isinstance(unreachable_s3, TRANSIENT_ERRORS)


def test_the_worker_checks_the_page_cap_again(sqlite_app):
    sqlite_app.config["MAX_PAGES"] = 2
    task = Task(options={}, file=File(file_type=FileType.PDF))
    with sqlite_app.app_context(), pytest.raises(TooManyPages) as refused:
        open_pages(task, text_pdf([["one"], ["two"], ["three"]]))
    assert describe(refused.value)[0] == "too_many_pages"


def test_a_worker_whose_task_was_deleted_stops_and_keeps_nothing(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        user = User(email="deleted@example.com")
        with db.session() as session:
            session.add(user)
        task_id = queued_task(user.id)
        with db.session() as session:
            task = session.get(Task, task_id)
        assert deletion.delete_task(task_id)
        with pytest.raises(TaskCancelled):
            stop_if_cancelled(task)
        # A split task's range stores the page image first: it goes with the page.
        store_page_image(task, SourcePage(number=1, image=Image.new("RGB", (10, 10))))
        with pytest.raises(TaskCancelled):
            store_page(task, Page(number=1, width=10, height=10))
        with pytest.raises(TaskCancelled):
            save_result(task, [Page(number=1, width=10, height=10)], b"%PDF", {})
    assert not [path for path in (tmp_path / "storage").rglob("*") if path.is_file()]
