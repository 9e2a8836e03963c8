"""The Python client and its commands against real processes: web, Celery worker, OCR."""

import json

import pytest
from click.testing import CliRunner

from ocrapp.cli import cli
from ocrapp.client import Client
from tests.helpers import create_user, statuses, wait_for_engines
from tests.images import text_image

pytestmark = pytest.mark.slow


def test_submit_wait_result_and_pages_with_the_client_and_the_cli(sqlite_stack, tmp_path):
    token = create_user(sqlite_stack)
    wait_for_engines(sqlite_stack, token, {"tesseract"})
    image = tmp_path / "note.png"
    image.write_bytes(text_image(["client reads letters"]))
    with Client(sqlite_stack.url, token) as client:
        task = client.submit(image, engine="tesseract", languages=["eng"])
        updates = [task]
        final = client.wait(task.task_id, on_update=updates.append, timeout=300)
        assert final.status == "completed" and final.result.page_count == 1
        assert statuses([u.model_dump() for u in updates]) == ["queued", "processing", "completed"]
        assert "letters" in client.result(task.task_id, "txt").lower()
        assert client.result(task.task_id, "pdf").startswith(b"%PDF")
        pages = client.pages(task.task_id)
        assert [page.number for page in pages.pages] == [1] and pages.status == "completed"
        assert "client" in client.page(task.task_id, 1, "txt").lower()
        assert client.page(task.task_id, 1)["text"].lower().startswith("client")

    env = {"OCRAPP_URL": sqlite_stack.url, "OCRAPP_TOKEN": token}
    out = tmp_path / "out"
    args = ["submit", str(image), "--engine", "tesseract", "-o", str(out), "--format", "json"]
    saved = CliRunner().invoke(cli, [*args, "--json"], env=env)
    assert saved.exit_code == 0, saved.output
    line = json.loads(saved.stdout)
    assert line["task"]["status"] == "completed" and line["output"] == str(out / "note.json")
    assert "letters" in json.loads((out / "note.json").read_text())["text"].lower()
    text = out / "note.txt"
    fetched = CliRunner().invoke(cli, ["result", line["task"]["taskId"], "-o", str(text)], env=env)
    assert fetched.exit_code == 0 and "letters" in text.read_text().lower()
