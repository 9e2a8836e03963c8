"""The storage quota counts what tasks produce, not only what users upload."""

import pytest

from ocrapp.core.db import db
from ocrapp.core.models import Result, TaskPage
from tests.conftest import on_both_databases
from tests.factories import queued_task
from tests.helpers import submit
from tests.images import text_image

MEGABYTE = 1024 * 1024


def produced(task_id: str, result_bytes: int = 0, page_bytes: list[int] = ()) -> None:
    """Record a result and pages of these sizes for the task, as the worker would."""
    with db.session() as session:
        if result_bytes:
            session.add(
                Result(
                    task_id=task_id,
                    result_key="k",
                    extracted_text="",
                    confidence_score=0,
                    word_count=0,
                    page_count=1,
                    size_bytes=result_bytes,
                )
            )
        for number, size in enumerate(page_bytes, start=1):
            session.add(
                TaskPage(
                    task_id=task_id,
                    number=number,
                    source="ocr",
                    word_count=0,
                    confidence_score=0,
                    result_key="k",
                    size_bytes=size,
                )
            )


@on_both_databases
@pytest.mark.parametrize("made", [{"result_bytes": MEGABYTE}, {"page_bytes": [MEGABYTE // 2] * 2}])
def test_results_and_pages_that_push_a_user_over_the_quota_refuse_the_next_upload(
    app, client, make_user, made
):
    app.config["MAX_STORED_MB"] = 1
    user_id, token = make_user()
    task_id = queued_task(user_id)  # an upload of 1 byte: far under the quota
    image = text_image(["next"])
    assert submit(client, token, image, "first.png").status_code == 202
    produced(task_id, **made)
    response = submit(client, token, image, "second.png")
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "quota_exceeded" and "results" in error["message"]
    # Another user's results are not this one's.
    _, other = make_user()
    assert submit(client, other, image, "theirs.png").status_code == 202
