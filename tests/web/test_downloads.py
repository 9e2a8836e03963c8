"""Downloads are streamed from storage, and a store that cannot be reached is a 503."""

import tracemalloc

from sqlalchemy import func, select

from ocrapp.core.db import db
from ocrapp.core.models import File, Task
from ocrapp.core.storage import get_storage
from tests.helpers import auth, submit
from tests.images import text_image

LARGE = 40 * 1024 * 1024


def test_a_large_download_is_sent_a_part_at_a_time(app, client, make_user):
    # A 500-page searchable PDF is some 80 MB: a web process held it whole per download.
    _, token = make_user()
    task_id = submit(client, token, text_image(["large"]), "large.png").get_json()["taskId"]
    with db.session() as session:
        key = session.get(Task, task_id).file.storage_key
    get_storage(app.config).put(key, b"\x89PNG" + bytes(LARGE - 4), "image/png")

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
