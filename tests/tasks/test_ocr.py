"""The OCR task: which errors it retries, and the page cap it checks again."""

import botocore.exceptions
import pytest
import redis
import sqlalchemy.exc

from ocrapp.core.errors import InvalidImage, TooManyPages
from ocrapp.core.models import File, FileType, Task
from tasks.errors import TRANSIENT_ERRORS, describe
from tasks.ocr import open_pages, recognize_file
from tests.documents import text_pdf


def test_unreachable_services_are_retried_and_bad_input_is_not():
    assert recognize_file.autoretry_for == TRANSIENT_ERRORS
    assert recognize_file.retry_jitter and recognize_file.retry_backoff
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
