"""The worker's memory on a long document does not grow with its pages."""

import tempfile
import tracemalloc
from pathlib import Path

from reportlab.pdfgen import canvas
from sqlalchemy import update

from bench.bench_searchable_pdf import noise_jpeg
from ocrapp.core.db import db
from ocrapp.core.models import FileType, Task, TaskStatus, User
from ocrapp.core.storage import get_storage
from tasks.ocr import read_file
from tests.factories import queued_task

MB = 1024 * 1024
PAGES = 40


def long_pdf(pages: int) -> bytes:
    """A born-digital PDF whose pages all show one photo (stored once) under a line of text.

    Each page is taken from its text layer, without OCR, but rendered at 300 dpi for the
    searchable PDF: a JPEG of over 1 MB a page, from a 1 MB file.
    """
    with tempfile.TemporaryDirectory() as folder:
        photo, path = Path(folder) / "photo.jpg", Path(folder) / "long.pdf"
        photo.write_bytes(noise_jpeg())
        document = canvas.Canvas(str(path), pagesize=(400, 300))
        for number in range(1, pages + 1):
            document.drawImage(str(photo), 0, 0, 400, 300)  # one image object for every page
            document.drawString(30, 260, f"Page {number} of the long document")
            document.showPage()
        document.save()
        return path.read_bytes()


def test_a_long_document_does_not_grow_the_worker(sqlite_app):
    """The searchable PDF is written as pages come and stored from its file: the worker's
    allocations stay far under the PDF's size (all of it stayed in memory before)."""
    sqlite_app.config["SPLIT_PAGES"] = 0  # one task reads every page
    data = long_pdf(PAGES)
    with sqlite_app.app_context():
        with db.session() as session:
            user = User(email="long@example.com")
            session.add(user)
        task_id = queued_task(user.id, "long.pdf")
        with db.session() as session:
            task = session.get(Task, task_id)
            task.file.file_type, task.file.content_type = FileType.PDF, "application/pdf"
            task.options = {}
            key = task.file.storage_key
        get_storage(sqlite_app.config).put(key, data, "application/pdf")
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            read_file(task_id)
            growth = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        with db.session() as session:
            assert session.get(Task, task_id).status is TaskStatus.PROCESSING  # signals end it
            session.execute(update(Task).where(Task.id == task_id).values(status="completed"))
    stored = Path(sqlite_app.config["STORAGE_URL"].removeprefix("file://"))
    pdf_size = next(stored.rglob("result.pdf")).stat().st_size
    print(
        f"{PAGES} pages: searchable PDF {pdf_size / MB:.1f} MB, worker growth {growth / MB:.1f} MB"
    )
    assert pdf_size > PAGES * MB and growth < 20 * MB
