"""The whole path on real processes: API, broker, Celery worker with EasyOCR, storage, WebSocket."""

import os
import subprocess

import boto3
import pytest
import requests

from tests.documents import printed_page
from tests.helpers import create_user, statuses, upload, wait_for_engines
from tests.images import corrupt_png, text_image
from tests.stack import BIN

pytestmark = pytest.mark.slow
WORDS = ["ocrapp", "reads", "scanned", "letters"]


def test_image_to_text_on_postgresql_redis_and_s3(pg_stack, s3_endpoint, open_socket):
    token = create_user(pg_stack)
    socket = open_socket(pg_stack.url, token)
    user_id = socket.receive()["data"]["userId"]
    # Enough lines for EasyOCR to take a few progress intervals.
    filler = [f"line {n} of a letter that goes on" for n in range(12)]
    image = text_image([" ".join(WORDS[:2]), " ".join(WORDS[2:]), *filler])
    wait_for_engines(pg_stack, token, {"easyocr"})
    task = upload(pg_stack, token, image, "a.png", engine="easyocr")

    updates = socket.updates_until_finished(task["taskId"])
    assert statuses(updates) == ["queued", "processing", "completed"]
    assert updates[0]["queuePosition"] >= 1
    progress = [u["progress"] for u in updates if u["status"] == "processing"]
    assert progress == sorted(progress) and len(progress) >= 3
    assert updates[-1]["result"]["wordCount"] >= 3

    headers = {"Authorization": f"Bearer {token}"}
    base = f"{pg_stack.url}/api/tasks/{task['taskId']}"
    result = requests.get(f"{base}/result", headers=headers, timeout=10).json()
    for word in WORDS:
        assert word in result["text"].lower()
    line = result["pages"][0]["blocks"][0]["lines"][0]
    assert set(line) == {"text", "confidence", "box", "words"}
    assert set(line["box"]) == {"left", "top", "right", "bottom"}
    assert set(line["words"][0]) == {"text", "confidence", "box"}
    text = requests.get(f"{base}/result?format=txt", headers=headers, timeout=10)
    assert text.headers["Content-Type"].startswith("text/plain")
    assert "scanned" in text.text.lower()
    html = requests.get(f"{base}/result?format=html", headers=headers, timeout=10)
    assert html.headers["Content-Type"].startswith("text/html")
    stored = boto3.client("s3", endpoint_url=s3_endpoint).get_object(
        Bucket="ocrapp-test", Key=f"stack/users/{user_id}/results/{task['taskId']}/result.html"
    )
    assert stored["Body"].read() == html.content
    signed = requests.get(
        f"{base}/result?format=txt&redirect=1", headers=headers, allow_redirects=False, timeout=10
    )
    assert signed.status_code == 302 and "Signature" in signed.headers["Location"]
    assert requests.get(signed.headers["Location"], timeout=10).text == text.text  # no token
    original = requests.get(
        f"{base}/file?redirect=1", headers=headers, allow_redirects=False, timeout=10
    )
    assert original.status_code == 302
    assert requests.get(original.headers["Location"], timeout=10).content == image
    summary = requests.get(base, headers=headers, timeout=10).json()
    assert summary["status"] == "completed" and summary["attempts"] == 1
    assert summary["result"]["pageCount"] == 1


def test_corrupt_image_fails_with_a_readable_error_over_the_socket(pg_stack, open_socket):
    token = create_user(pg_stack)
    socket = open_socket(pg_stack.url, token)
    task = upload(pg_stack, token, corrupt_png(), "broken.png")
    updates = socket.updates_until_finished(task["taskId"])
    assert statuses(updates) == ["queued", "processing", "failed"]
    assert updates[-1]["error"]["code"] == "invalid_image"
    assert "could not be decoded" in updates[-1]["error"]["message"]


def submit_with_cli(stack, token: str, path, *options: str) -> subprocess.CompletedProcess:
    env = {**stack.env, "OCRAPP_URL": stack.url, "OCRAPP_TOKEN": token}
    command = [str(BIN / "ocrapp"), "submit", str(path), *options]
    return subprocess.run(
        [*command, "--wait"], env=env, capture_output=True, text=True, timeout=300
    )


def test_embedded_defaults_with_the_cli(sqlite_stack, tmp_path):
    token = create_user(sqlite_stack)
    image = tmp_path / "photo.jpg"
    image.write_bytes(text_image(["hello from sqlite"], "JPEG"))
    completed = submit_with_cli(sqlite_stack, token, image)
    assert completed.returncode == 0, completed.stderr
    assert "hello" in completed.stdout.lower() and "sqlite" in completed.stdout.lower()
    reported = [line.split(": ", 1)[1].split()[0] for line in completed.stderr.splitlines()]
    assert statuses([{"status": status} for status in reported]) == [
        "queued",
        "processing",
        "completed",
    ]
    instance = sqlite_stack.env["OCRAPP_INSTANCE_DIR"]
    assert os.path.exists(os.path.join(instance, "ocrapp.sqlite3"))
    results = [name for _, _, names in os.walk(instance) for name in names]
    assert {"result.html", "result.json", "result.txt"} <= set(results)


def test_cli_exits_non_zero_when_the_task_fails(sqlite_stack, tmp_path):
    token = create_user(sqlite_stack)
    image = tmp_path / "broken.png"
    image.write_bytes(corrupt_png())
    completed = submit_with_cli(sqlite_stack, token, image)
    assert completed.returncode == 1
    assert "invalid_image" in completed.stderr


def test_the_cli_asks_for_the_auto_engine_and_the_pages_own_language(sqlite_stack, tmp_path):
    token = create_user(sqlite_stack)
    wait_for_engines(sqlite_stack, token, {"auto"})
    image = tmp_path / "brief.png"
    printed_page(["Die Bäume blühen im Garten,", "während die Größe wächst."]).save(image)
    completed = submit_with_cli(
        sqlite_stack, token, image, "--engine", "auto", "--languages", "auto"
    )
    assert completed.returncode == 0, completed.stderr
    assert "Bäume" in completed.stdout and "Größe" in completed.stdout
