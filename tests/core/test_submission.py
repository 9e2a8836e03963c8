"""Taking an upload: the user's limits before the file is read, then the inspector's."""

import time
from pathlib import Path

from ocrapp.core.db import db
from ocrapp.core.models import File
from tests.conftest import on_both_databases
from tests.helpers import submit
from tests.images import text_image
from tests.uploads import chained_tiff, empty_chunks_png


def stored(app) -> tuple[int, list]:
    """The file rows, and the objects in the storage folder."""
    with db.session() as session:
        rows = session.query(File).count()
    folder = Path(app.config["STORAGE_URL"].removeprefix("file://"))
    return rows, [path for path in folder.rglob("*") if path.is_file()]


@on_both_databases
def test_a_user_at_a_limit_is_refused_before_the_file_is_read(app, client, make_user):
    app.config["MAX_TASKS_IN_FLIGHT"] = 1
    _, token = make_user()
    assert submit(client, token, text_image(["first"]), "a.png").status_code == 202
    # Read first, this file would be refused for its pages (422) after it had been read:
    # all of it, in seconds, before this change.
    hostile = chained_tiff(16_000)
    start = time.perf_counter()
    response = submit(client, token, hostile, "hostile.tiff")
    assert (response.status_code, response.get_json()["error"]["code"]) == (429, "too_many_tasks")
    assert time.perf_counter() - start < 1
    app.config["MAX_TASKS_IN_FLIGHT"], app.config["MAX_STORED_MB"] = 10, 0
    response = submit(client, token, hostile, "hostile.tiff")
    assert (response.status_code, response.get_json()["error"]["code"]) == (429, "quota_exceeded")


@on_both_databases
def test_an_upload_whose_inspection_runs_out_of_time_is_a_422_and_nothing_is_kept(
    app, client, make_user
):
    app.config["INSPECT_TIMEOUT"] = 0.3
    _, token = make_user()
    response = submit(client, token, empty_chunks_png(500_000), "slow.png")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "inspection_timeout"
    assert "took over 0.3 s" in error["message"] and "split it" in error["message"]
    assert stored(app) == (0, [])
    # The inspector was replaced: the next upload is read as usual (a new child starts,
    # which may take longer than 0.3 s on a busy machine).
    app.config["INSPECT_TIMEOUT"] = 30
    assert submit(client, token, text_image(["next"]), "next.png").status_code == 202
