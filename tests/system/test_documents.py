"""Real documents end to end: multi-page PDFs, columns, text layers, both engines."""

import io
import json
import time
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest
import requests

from tests.documents import (
    PAGE_TREE_LIES,
    empty_pdf,
    image_pdf,
    page_image,
    text_pdf,
    tiff,
    two_column_image,
    unrepairable_pdf,
)
from tests.helpers import create_user, fetch, statuses, upload, wait_for_engines

pytestmark = pytest.mark.slow
PANGRAMS = [
    "The quick brown fox jumps over the lazy dog",
    "Pack my box with five dozen liquor jugs",
    "How vexingly quick daft zebras jump",
    "Sphinx of black quartz judge my vow",
]


@pytest.fixture(scope="module")
def headers(pg_stack) -> dict[str, str]:
    """A user's Authorization header, once the worker has reported every engine."""
    token = create_user(pg_stack)
    wait_for_engines(pg_stack, token, {"auto", "easyocr", "tesseract"})
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def stack(pg_stack, headers):
    """The PostgreSQL stack with both engines."""
    return pg_stack


def run(stack, open_socket, data: bytes, filename: str, **fields) -> tuple[str, list[dict]]:
    """Submit a file as a new user; return their token and the task's updates."""
    token = create_user(stack)
    socket = open_socket(stack.url, token)
    task = upload(stack, token, data, filename, **fields)
    return token, socket.updates_until_finished(task["taskId"], timeout=300)


def squashed(text: str) -> str:
    return "".join(text.lower().split())


@pytest.mark.parametrize("engine", ["tesseract", "easyocr"])
def test_scanned_pdf_page_by_page_in_reading_order(stack, open_socket, engine):
    pages = [
        page_image(["first page", "alpha bravo"]),
        two_column_image(["left column", "first half"], ["right column", "second half"]),
        page_image(["third page ending"]),
    ]
    token, updates = run(stack, open_socket, image_pdf(pages), "scan.pdf", engine=engine)
    assert statuses(updates) == ["queued", "processing", "completed"], updates[-1]
    processing = [u for u in updates if u["status"] == "processing" and u["page"] is not None]
    assert [u["page"] for u in processing] == sorted(u["page"] for u in processing)
    assert {u["page"] for u in processing} == {1, 2, 3}
    assert {u["pageCount"] for u in processing} == {3}
    assert "Page 3 of 3" in processing[-1]["message"]

    task_id = updates[-1]["taskId"]
    result = fetch(stack, token, f"/api/tasks/{task_id}/result").json()
    assert result["engine"] == {"name": engine, "languages": ["eng"], "calls": 3}
    texts = [squashed(page["text"]) for page in result["pages"]]
    assert "alphabravo" in texts[0] and "thirdpage" in texts[2]
    columns = texts[1]
    assert columns.index("left") < columns.index("first") < columns.index("right")
    assert columns.index("right") < columns.index("second")

    pdf = fetch(stack, token, f"/api/tasks/{task_id}/result?format=pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="scan.pdf"')
    layer = [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf.content)]
    assert "bravo" in layer[0].lower() and "second" in layer[1].lower()

    hocr = fetch(stack, token, f"/api/tasks/{task_id}/result?format=hocr")
    assert hocr.headers["Content-Type"].startswith("application/xhtml+xml")
    assert 'class="ocrx_word"' in hocr.text and hocr.text.count('class="ocr_page"') == 3


def test_a_pdf_with_a_text_layer_is_not_ocrd(stack, open_socket):
    data = text_pdf([["Hello text layer", "second line here"], ["Page two, exactly."]])
    token, updates = run(stack, open_socket, data, "Счёт 1.pdf")
    assert updates[-1]["status"] == "completed"
    text = fetch(stack, token, f"/api/tasks/{updates[-1]['taskId']}/result?format=txt")
    assert text.headers["Content-Disposition"] == (
        "inline; filename=\"____ 1.txt\"; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%201.txt"
    )
    result = fetch(stack, token, f"/api/tasks/{updates[-1]['taskId']}/result").json()
    assert result["engine"]["calls"] == 0
    assert [page["source"] for page in result["pages"]] == ["text-layer", "text-layer"]
    assert [page["text"] for page in result["pages"]] == [
        "Hello text layer\nsecond line here",
        "Page two, exactly.",
    ]
    assert result["confidence"] == 1.0


def test_force_ocr_recognises_a_text_layer_page(stack, open_socket):
    data = text_pdf([["Forced recognition"]])
    token, updates = run(stack, open_socket, data, "d.pdf", engine="tesseract", forceOcr="true")
    result = fetch(stack, token, f"/api/tasks/{updates[-1]['taskId']}/result").json()
    assert result["engine"]["calls"] == 1
    assert result["pages"][0]["source"] == "ocr"


def test_pages_are_read_one_by_one_while_the_task_runs(stack, open_socket):
    token = create_user(stack)
    socket = open_socket(stack.url, token)
    pages = [page_image([f"page {word} here"]) for word in ("one", "two", "three", "four")]
    task_id = upload(stack, token, image_pdf(pages), "four.pdf", engine="tesseract")["taskId"]
    update = {"status": "queued", "page": None}
    while update["status"] != "completed" and (update["page"] or 0) < 2:  # on page 2 or later
        message = socket.receive(300)
        if message["type"] == "task_update" and message["data"]["taskId"] == task_id:
            update = message["data"]
    listed = fetch(stack, token, f"/api/tasks/{task_id}/pages").json()
    first = listed["pages"][0]
    text = fetch(stack, token, first["links"]["txt"]).text
    read_at = datetime.now(UTC)
    assert "one" in text.lower() and first["number"] == 1
    final = socket.updates_until_finished(task_id, timeout=300)[-1]
    assert final["status"] == "completed"
    # Read before the task finished: while it was still processing its later pages.
    assert datetime.fromisoformat(final["finishedAt"]) > read_at
    listed = fetch(stack, token, f"/api/tasks/{task_id}/pages").json()
    assert [page["number"] for page in listed["pages"]] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (text_pdf([["secret"]], encrypt="password"), "pdf_encrypted"),
        (empty_pdf(), "pdf_empty"),
        (b"%PDF-1.7\n1 0 obj << /Broken", "pdf_invalid"),
        (unrepairable_pdf(["lost"]), "pdf_invalid"),
    ],
)
def test_a_pdf_that_cannot_be_opened_is_refused_at_upload(stack, data, code):
    token = create_user(stack)
    headers = {"Authorization": f"Bearer {token}"}
    files = {"file": ("bad.pdf", data)}
    response = requests.post(f"{stack.url}/api/tasks", headers=headers, files=files, timeout=30)
    assert (response.status_code, response.json()["error"]["code"]) == (422, code)
    assert fetch(stack, token, "/api/tasks").json()["total"] == 0


def test_a_pdf_page_that_cannot_be_rendered_fails_in_the_worker_with_its_code(stack, open_socket):
    _, updates = run(stack, open_socket, PAGE_TREE_LIES, "lies.pdf")  # opens: taken
    assert updates[-1]["status"] == "failed"
    assert updates[-1]["error"]["code"] == "pdf_invalid"
    # An expected outcome: one WARNING line with the code, no traceback, no ERROR.
    lines = worker_lines_about(stack, updates[-1]["taskId"], until="pdf_invalid")
    assert [line["level"] for line in lines if line["level"] != "INFO"] == ["WARNING"]
    assert not any("Traceback" in json.dumps(line) for line in lines)
    assert "raised expected" not in stack.process("worker").log()  # Celery's, with traceback


def worker_lines_about(stack, task_id: str, until: str, timeout: float = 30) -> list[dict]:
    """The worker's log records about a task, once one of them says `until`."""
    deadline = time.monotonic() + timeout
    while True:
        records = [
            json.loads(line)
            for line in stack.process("worker").log().splitlines()
            if line.startswith("{")
        ]
        about = [record for record in records if task_id in json.dumps(record)]
        if any(until in record["message"] for record in about) or time.monotonic() > deadline:
            return about
        time.sleep(0.1)  # polling the log file for a line the worker writes


@pytest.mark.parametrize("turned", [90, 180, 270])
def test_a_page_scanned_sideways_or_upside_down_is_turned_upright(stack, open_socket, turned):
    sideways = page_image(PANGRAMS).rotate(turned, expand=True)
    png = io.BytesIO()
    sideways.save(png, format="PNG")
    token, updates = run(stack, open_socket, png.getvalue(), "sideways.png", engine="tesseract")
    result = fetch(stack, token, f"/api/tasks/{updates[-1]['taskId']}/result").json()
    assert result["pages"][0]["rotation"] == turned
    assert "quickbrownfox" in squashed(result["text"])


def test_every_page_of_a_tiff_is_read(stack, open_socket):
    data = tiff([page_image(["tiff page one"]), page_image(["tiff page two"])])
    token, updates = run(stack, open_socket, data, "pages.tiff", engine="tesseract")
    assert updates[-1]["result"]["pageCount"] == 2
    text = fetch(stack, token, f"/api/tasks/{updates[-1]['taskId']}/result?format=txt").text
    assert "\f" in text and "two" in text.lower()


def test_engines_and_languages_are_listed_and_checked(stack, headers):
    engines = requests.get(f"{stack.url}/api/engines", headers=headers, timeout=5).json()
    assert {"name": "easyocr", "languages": ["eng"], "devices": ["cpu"]} in engines["engines"]
    offered = {engine["name"]: engine["languages"] for engine in engines["engines"]}
    assert "auto" in offered["auto"] and "auto" in offered["tesseract"]
    assert engines["default"] == "auto"
    response = requests.post(
        f"{stack.url}/api/tasks",
        headers=headers,
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n")},
        data={"engine": "easyocr", "languages": "eng+xyz"},
        timeout=10,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["languages"]) == ("unsupported_language", ["eng"])
