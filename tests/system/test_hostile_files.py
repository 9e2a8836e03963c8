"""Hostile files that pass the upload checks: the worker fails each with its code, and lives on."""

import io

import pytest
from PIL import Image, ImageDraw

from tests.conftest import REDIS_BASE_URL
from tests.documents import PAGE_TREE_LIES, broken_xref_pdf, huge_page_pdf, text_pdf, tiff
from tests.helpers import create_user, fetch, upload, worker_child
from tests.images import text_image
from tests.stack import Stack, own_namespace

pytestmark = pytest.mark.slow


def inked_everywhere(width: int, height: int) -> bytes:
    """A page ruled edge to edge: every part of it is ink for the engines to look at.

    (A blank page is no longer a memory hog: EasyOCR only looks where there is ink.)
    """
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 8):
        draw.line([(0, y), (width, y)], fill=0, width=2)
    for x in range(0, width, 24):
        draw.line([(x, 0), (x, height)], fill=0, width=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack on the embedded defaults whose pool process may grow by 768 MB at most."""
    folder = tmp_path_factory.mktemp("hostile")
    stack = Stack.embedded(
        folder / "instance",
        {
            "REDIS_URL": f"{REDIS_BASE_URL}/12",
            **own_namespace("hostile"),
            "WORKER_MEMORY_MB": "768",
        },
        folder,
    )
    with stack.running():
        yield stack


@pytest.fixture(scope="module")
def token(stack) -> str:
    return create_user(stack)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def two_frame_tiff() -> bytes:
    """A small first frame that passes the upload's check, then a 49-megapixel one."""
    frames = [Image.new("RGB", size, "white") for size in ((200, 100), (7000, 7000))]
    return tiff(frames, compression="tiff_deflate")


# name, a function making the file, the status it ends with, its error code
CORPUS = [
    ("truncated.png", lambda: truncated(text_image(["cut short"])), "failed", "invalid_image"),
    (
        "truncated.jpg",
        lambda: truncated(text_image(["cut", "short"], "JPEG")),
        "failed",
        "invalid_image",
    ),
    (
        "png-then-pdf.png",
        lambda: text_image(["image first"]) + text_pdf([["pdf"]]),
        "completed",
        None,
    ),
    ("page-tree-lies.pdf", lambda: PAGE_TREE_LIES, "failed", "pdf_invalid"),
    ("huge-page.pdf", huge_page_pdf, "failed", "page_too_large"),
    ("broken-xref.pdf", lambda: broken_xref_pdf(["repaired"]), "completed", None),
    ("bomb-frame.tiff", two_frame_tiff, "failed", "page_too_large"),
    ("memory.png", lambda: inked_everywhere(6000, 6000), "failed", "out_of_memory"),
]


@pytest.mark.parametrize(("name", "make", "status", "code"), CORPUS, ids=[c[0] for c in CORPUS])
def test_a_hostile_file_ends_with_its_code_a_log_line_and_the_same_worker(
    stack, token, open_socket, name, make, status, code
):
    pool = worker_child(stack)
    socket = open_socket(stack.url, token)
    task = upload(stack, token, make(), name)
    final = socket.updates_until_finished(task["taskId"], timeout=300)[-1]
    assert (final["status"], (final.get("error") or {}).get("code")) == (status, code)
    if code:
        assert f"task {task['taskId']} ended: {code}" in stack.process("worker").log()
    assert worker_child(stack) == pool  # the same pool process: nothing crashed
    assert stack.process("worker").alive()


def test_after_the_corpus_the_same_worker_still_reads_a_page(stack, token, open_socket):
    pool = worker_child(stack)
    socket = open_socket(stack.url, token)
    task = upload(stack, token, text_image(["still reading"]), "fine.png")
    assert socket.updates_until_finished(task["taskId"])[-1]["status"] == "completed"
    text = fetch(stack, token, f"/api/tasks/{task['taskId']}/result?format=txt").text
    assert "still reading" in text.lower()
    assert worker_child(stack) == pool
