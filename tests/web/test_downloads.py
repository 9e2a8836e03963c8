"""Downloads are streamed from storage, resume with `Range`, and a store away is a 503."""

import tracemalloc
from pathlib import Path

import pytest
from gunicorn.http.wsgi import FileWrapper as GunicornFileWrapper
from sqlalchemy import func, select

from ocrapp.core.db import db
from ocrapp.core.models import File, Task
from ocrapp.core.storage import get_storage
from tests.helpers import auth, submit
from tests.images import text_image

LARGE = 40 * 1024 * 1024


def task_with_upload(app, client, token: str, data: bytes) -> str:
    """Submit a task, then put `data` where its upload is kept; return the task's id."""
    task_id = submit(client, token, text_image(["kept"]), "kept.png").get_json()["taskId"]
    with db.session() as session:
        key = session.get(Task, task_id).file.storage_key
    get_storage(app.config).put(key, data, "image/png")
    return task_id


def test_a_large_download_is_sent_a_part_at_a_time(app, client, make_user):
    # A 500-page searchable PDF is some 80 MB: a web process held it whole per download.
    _, token = make_user()
    task_id = task_with_upload(app, client, token, b"\x89PNG" + bytes(LARGE - 4))

    tracemalloc.start()
    try:
        response = client.get(f"/api/tasks/{task_id}/file", headers=auth(token), buffered=False)
        received = sum(len(chunk) for chunk in response.response)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert response.status_code == 200 and received == LARGE
    assert response.content_length == LARGE
    assert peak < LARGE / 8, f"{peak / 2**20:.1f} MB held for a 40 MB download"


def test_a_store_that_cannot_be_reached_is_a_503_and_keeps_nothing(app, client, make_user):
    _, token = make_user()
    task_id = submit(client, token, text_image(["kept"]), "kept.png").get_json()["taskId"]
    # S3 where nothing listens: refused at once, as a store that is down.
    app.config.update(STORAGE_URL="s3://away", S3_ENDPOINT_URL="http://127.0.0.1:9")

    upload = submit(client, token, text_image(["lost"]), "lost.png")
    download = client.get(f"/api/tasks/{task_id}/file", headers=auth(token))

    for answer in (upload, download):
        assert answer.status_code == 503, answer.get_json()
        assert answer.get_json()["error"]["code"] == "storage_unavailable"
        assert answer.headers["Retry-After"] == "30"
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 1
        assert session.scalar(select(func.count()).select_from(File)) == 1


@pytest.fixture(params=["folder", "s3"])
def stored_file(request, app, client, make_user, s3_endpoint):
    """A task whose upload is 1 MB of known bytes, in a folder or in S3: (task id, token, data)."""
    _, token = make_user()
    if request.param == "s3":
        app.config.update(STORAGE_URL="s3://downloads-test", S3_ENDPOINT_URL=s3_endpoint)
        get_storage(app.config).init()
    data = b"\x89PNG" + bytes(range(256)) * 4096
    return task_with_upload(app, client, token, data), token, data


def test_a_download_cut_short_resumes_where_it_stopped(client, stored_file):
    task_id, token, data = stored_file
    url = f"/api/tasks/{task_id}/file"
    whole = client.get(url, headers=auth(token))
    etag = whole.headers["ETag"]
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Accept-Ranges"] == "bytes"

    rest = client.get(url, headers=auth(token) | {"Range": "bytes=700000-", "If-Range": etag})

    assert rest.status_code == 206 and rest.data == data[700_000:]
    assert rest.headers["Content-Range"] == f"bytes 700000-{len(data) - 1}/{len(data)}"
    assert rest.headers["ETag"] == etag


def test_a_resume_against_a_file_changed_since_gets_it_whole(client, stored_file):
    task_id, token, data = stored_file
    stale = {"Range": "bytes=700000-", "If-Range": '"another-version"'}
    answer = client.get(f"/api/tasks/{task_id}/file", headers=auth(token) | stale)
    assert answer.status_code == 200 and answer.data == data


def test_a_copy_that_is_current_is_not_sent_again(client, stored_file):
    task_id, token, _ = stored_file
    url = f"/api/tasks/{task_id}/file"
    with client.get(url, headers=auth(token)) as first:
        etag = first.headers["ETag"]
    answer = client.get(url, headers=auth(token) | {"If-None-Match": etag})
    assert answer.status_code == 304 and answer.data == b""


@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=0-9,20-29"},  # several ranges: not served in parts here
        {"Range": "bytes=abc"},
        {"Range": "items=0-5"},
        {"Range": "bytes=10-", "If-Range": "W/{etag}"},  # a weak tag never matches here
    ],
)
def test_a_range_that_cannot_be_served_in_part_gets_the_whole_file(client, stored_file, headers):
    task_id, token, data = stored_file
    url = f"/api/tasks/{task_id}/file"
    with client.get(url, headers=auth(token)) as first:
        etag = first.headers["ETag"]
    headers = {name: value.format(etag=etag) for name, value in headers.items()}
    answer = client.get(url, headers=auth(token) | headers)
    assert answer.status_code == 200 and answer.data == data


def test_a_resumed_download_under_gunicorn_reads_only_the_rest(app, client, make_user):
    # gunicorn's wsgi.file_wrapper cannot seek: the file was read from its start and the
    # part before the range dropped (from S3, the whole object fetched again).
    _, token = make_user()
    task_id = task_with_upload(app, client, token, b"\x89PNG" + bytes(LARGE - 4))
    gunicorn = {"wsgi.file_wrapper": GunicornFileWrapper}

    before = bytes_read()
    answer = client.get(
        f"/api/tasks/{task_id}/file",
        headers=auth(token) | {"Range": f"bytes={LARGE - 1000}-"},
        environ_overrides=gunicorn,
    )
    read = bytes_read() - before

    assert answer.status_code == 206 and len(answer.data) == 1000
    assert read < LARGE / 8, f"{read / 2**20:.1f} MB read to send the last 1,000 bytes"


def bytes_read() -> int:
    """The bytes this process has read through read(2) and its kin, from /proc."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise RuntimeError("no rchar in /proc/self/io")


def test_a_range_past_the_end_is_a_416_that_says_the_size(client, stored_file):
    task_id, token, data = stored_file
    answer = client.get(
        f"/api/tasks/{task_id}/file", headers=auth(token) | {"Range": "bytes=9999999-"}
    )
    assert answer.status_code == 416
    assert answer.get_json()["error"]["code"] == "range_not_satisfiable"
    assert answer.headers["Content-Range"] == f"bytes */{len(data)}"
