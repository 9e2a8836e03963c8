"""The `ocrapp` client commands, run by click's CliRunner against the app served here."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocrapp.cli import cli
from ocrapp.client import commands
from ocrapp.client.submitting import Submission, fetch_results
from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import Task
from ocrapp.core.storage import RESULT_FORMATS, get_storage, result_key
from tests.documents import image_pdf, page_image

SOURCE = str(Path(commands.__file__).parents[2])  # the checkout these tests run, for a subprocess


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


def test_ctrl_c_stops_submit_wait_at_once_with_exit_code_130(app, server, make_user, image):
    """Ctrl-C left `--wait` hanging: the followers, blocked in recv(), were joined at exit."""
    _, token = make_user()
    env = {**os.environ, "OCRAPP_URL": server, "OCRAPP_TOKEN": token, "PYTHONPATH": SOURCE}
    command = [str(Path(sys.executable).parent / "ocrapp"), "submit", str(image), "--wait"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    reader = threading.Thread(
        target=lambda: [lines.put(line.decode()) for line in process.stderr], daemon=True
    )
    reader.start()
    try:
        queued = lines.get(timeout=30)
        assert ": queued" in queued, queued
        task_id = queued.split()[1].rstrip(":")
        with app.app_context():  # an update the follower shows: it reads its socket now
            lifecycle.mark_processing(task_id)
        while ": processing" not in lines.get(timeout=30):
            pass
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 130  # not once the task finishes: it never does
    finally:
        process.kill()
        process.wait()
    assert process.stdout.read().decode().strip() == task_id  # to follow it later


def complete(app, task_id: str, body: bytes, result_format: str = "txt") -> None:
    """Store the task's result in `result_format` and mark it completed, as a worker would."""
    with app.app_context():
        with db.session() as session:
            user_id = session.get(Task, task_id).user_id
        get_storage(app.config).put(
            result_key(user_id, task_id, result_format), body, RESULT_FORMATS[result_format]
        )
        lifecycle.mark_processing(task_id)
        lifecycle.mark_completed(task_id)


def test_results_saved_in_a_folder_never_overwrite_one_another(app, api_client, image, tmp_path):
    """a.bmp's text was saved as a-3.txt, over a-3.png's: a-2 was never tried."""
    submissions = []
    for name in ("a-3.png", "a.png", "a.bmp", "b.png"):
        path = tmp_path / name
        path.write_bytes(image.read_bytes())
        task_id = api_client.submit(path).task_id
        complete(app, task_id, f"text of {name}".encode())
        submissions.append(Submission(path, task=api_client.task(task_id)))

    fetch_results(api_client, submissions, "txt", tmp_path / "out")

    saved = {path.name: path.read_text() for path in (tmp_path / "out").iterdir()}
    assert saved == {
        "a-3.txt": "text of a-3.png",
        "a.txt": "text of a.png",
        "a-2.txt": "text of a.bmp",
        "b.txt": "text of b.png",
    }
    outputs = [submission.output.name for submission in submissions]
    assert outputs == ["a-3.txt", "a.txt", "a-2.txt", "b.txt"]


def test_submit_o_never_saves_over_the_users_files(app, server, make_user, tmp_path):
    """`submit letter.pdf --format pdf -o .` saved the searchable PDF over letter.pdf."""
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(image_pdf([page_image(["a letter"])]))
    original = letter.read_bytes()
    _, token = make_user()
    env = {**os.environ, "OCRAPP_URL": server, "OCRAPP_TOKEN": token, "PYTHONPATH": SOURCE}
    command = [str(Path(sys.executable).parent / "ocrapp"), "submit", "letter.pdf"]
    process = subprocess.Popen(
        [*command, "--format", "pdf", "-o", "."],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        queued = process.stderr.readline().decode()
        assert ": queued" in queued, queued
        complete(app, queued.split()[1].rstrip(":"), b"%PDF searchable", "pdf")
        assert process.wait(timeout=30) == 0, process.stderr.read()
    finally:
        process.kill()
        process.wait()
    assert process.stdout.read().decode().strip() == "letter-2.pdf"
    assert letter.read_bytes() == original
    assert (tmp_path / "letter-2.pdf").read_bytes() == b"%PDF searchable"


def test_results_saved_in_a_folder_never_overwrite_files_there(app, api_client, image, tmp_path):
    """An earlier run's letter.txt (and letter-2.txt) were overwritten."""
    for name, text in (("letter.txt", "mine"), ("letter-2.txt", "mine too")):
        (tmp_path / name).write_text(text)
    task_id = api_client.submit(image).task_id
    complete(app, task_id, b"text of letter.png")
    submission = Submission(image, task=api_client.task(task_id))

    fetch_results(api_client, [submission], "txt", tmp_path)

    assert submission.output == tmp_path / "letter-3.txt"
    saved = {path.name: path.read_text() for path in tmp_path.glob("*.txt")}
    assert saved == {
        "letter.txt": "mine",
        "letter-2.txt": "mine too",
        "letter-3.txt": "text of letter.png",
    }


def test_json_errors_go_to_stderr_too_and_a_json_result_is_one_line(app, ocrapp, image, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    refused = ocrapp("submit", text, "--json")
    assert refused.exit_code == 3
    assert json.loads(refused.stdout)["error"]["code"] == "unsupported_media_type"
    assert "Error: 415 unsupported_media_type" in refused.stderr

    task_id = json.loads(ocrapp("submit", image, "--json").stdout)["task"]["taskId"]
    complete(app, task_id, b'{"text": "a letter"}', "json")
    shown = ocrapp("result", task_id, "--format", "json", "--json")
    assert shown.exit_code == 0 and shown.stdout == '{"text": "a letter"}\n'


def test_pdf_needs_o_dir_without_wait_too(ocrapp, image):
    no_wait = ocrapp("submit", image, "--format", "pdf")
    assert no_wait.exit_code == 2 and "-o DIR" in no_wait.stderr


def test_the_queued_line_is_printed_once_when_not_on_a_terminal(ocrapp, image):
    """The follower reported again the state that the upload had shown."""
    followed = ocrapp("submit", image, "--wait", "--timeout", "1")
    assert followed.exit_code == 4 and "timed_out" in followed.stderr
    assert followed.stderr.count(": queued") == 1, followed.stderr
