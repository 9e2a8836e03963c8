"""The `ocrapp` client commands, run by click's CliRunner against the app served here."""

import json
import os
import uuid

import pytest
from click.testing import CliRunner

from ocrapp.cli import cli


@pytest.fixture
def ocrapp(server, make_user):
    """Run `ocrapp ARGS` as a new user of the served app, with OCRAPP_URL and OCRAPP_TOKEN."""
    _, token = make_user()
    env = {"OCRAPP_URL": server, "OCRAPP_TOKEN": token}

    def run(*args: str):
        return CliRunner().invoke(cli, [str(arg) for arg in args], env=env)

    return run


def test_submit_status_cancel_and_delete_as_json(ocrapp, image, tmp_path):
    second = tmp_path / "second.png"
    second.write_bytes(image.read_bytes())
    submitted = ocrapp("submit", image, second, "--languages", "eng", "--json")
    assert submitted.exit_code == 0, submitted.output
    lines = [json.loads(line) for line in submitted.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(image), str(second)]
    task_id = lines[0]["task"]["taskId"]
    assert lines[0]["task"]["status"] == "queued" and lines[0]["error"] is None

    shown = json.loads(ocrapp("status", task_id, "--json").stdout)
    assert shown["taskId"] == task_id and shown["languages"] == ["eng"]
    cancelled = ocrapp("cancel", task_id)
    assert cancelled.exit_code == 0
    assert cancelled.stdout.startswith(f"task {task_id}: cancelled")
    deleted = ocrapp("delete", task_id, "--json")
    assert json.loads(deleted.stdout) == {"taskId": task_id, "deleted": True}

    gone = ocrapp("status", task_id, "--json")
    assert gone.exit_code == 3
    assert json.loads(gone.stdout)["error"] == {
        "status": 404,
        "code": "task_not_found",
        "message": json.loads(gone.stdout)["error"]["message"],
    }
    assert "task_not_found" in gone.stderr


def test_a_file_whose_name_is_not_utf8_on_disk_is_submitted(ocrapp, image, tmp_path):
    """Its name (surrogate escapes in Python) could not be encoded: the batch stopped there."""
    latin1 = tmp_path / os.fsdecode(b"caf\xe9.png")
    latin1.write_bytes(image.read_bytes())

    submitted = ocrapp("submit", latin1, image, "--json")

    assert submitted.exit_code == 0, submitted.output
    first, second = (json.loads(line)["task"] for line in submitted.stdout.splitlines())
    assert first["filename"] == "caf\ufffd.png" and second["filename"] == "letter.png"


def test_submit_prints_task_ids_and_result_refuses_an_unfinished_task(ocrapp, image):
    submitted = ocrapp("submit", image)
    assert submitted.exit_code == 0
    task_id = submitted.stdout.strip()
    assert ocrapp("status", task_id).stdout.startswith(f"task {task_id}: queued 0%")
    early = ocrapp("result", task_id)
    assert early.exit_code == 3 and "result_not_ready" in early.stderr


def test_exit_codes_of_usage_errors_and_an_unreachable_server(ocrapp, image):
    pdf_to_terminal = ocrapp("submit", image, "--wait", "--format", "pdf")
    assert pdf_to_terminal.exit_code == 2 and "-o DIR" in pdf_to_terminal.stderr
    assert ocrapp("submit", image, "--format", "docx").exit_code == 2
    unknown = str(uuid.uuid4())
    unreachable = ocrapp("status", unknown, "--url", "http://127.0.0.1:1", "--retries", "0")
    assert unreachable.exit_code == 4 and "unreachable" in unreachable.stderr
    refused = ocrapp("status", unknown, "--token", "not-a-token")
    assert refused.exit_code == 3 and "401" in refused.stderr
