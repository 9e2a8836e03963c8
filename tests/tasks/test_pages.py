"""A page stored by an earlier run, its image taken again as it was read (a resumed
task's searchable PDF shows it under the page's words)."""

import io

from PIL import Image
from reportlab.pdfgen import canvas

from ocrapp.core.db import db
from ocrapp.core.models import Task, User
from tasks.pages import image_as_read, page_image, recognize_page, store_page_image
from tasks.pipeline.document import Page
from tasks.pipeline.engines import load_engine
from tasks.pipeline.layout import build_page
from tasks.pipeline.orientation import detect_skew
from tasks.pipeline.reading import read_image
from tasks.pipeline.sources import SourcePage, pdf_pages
from tests.documents import PROSE, tilted
from tests.documents import page_image as prose_image
from tests.factories import queued_task


def sideways_text_pdf() -> bytes:
    """A born-digital page whose lines run up the page."""
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=(400, 300))
    document.translate(100, 20)
    document.rotate(90)
    for number in range(5):
        document.drawString(0, -20 * number, f"Sideways line number {number} of the page")
    document.showPage()
    document.save()
    return buffer.getvalue()


def first_page(data: bytes) -> SourcePage:
    return next(pdf_pages(data, 300, 40_000_000, False)[1])


def test_a_text_layer_page_comes_upright_and_is_not_turned_again():
    source = first_page(sideways_text_pdf())
    page = build_page(source.text_layer, 1, source.image.width, source.image.height)
    page.rotation = source.rotation
    assert page.rotation  # its text ran sideways: the page was turned to read it
    again = first_page(sideways_text_pdf())
    assert image_as_read(again, page).size == (page.width, page.height)


def test_an_ocr_page_is_turned_upright_and_levelled_as_it_was_read():
    askew = tilted(prose_image(PROSE), -4.0)
    for scanned in (askew, askew.rotate(90, expand=True)):  # and lying on its side
        image, page = read_image(scanned, "tesseract", ["eng"])
        assert page.skew and page.rotation == (0 if scanned is askew else 90)
        assert image_as_read(SourcePage(1, scanned.copy()), page).tobytes() == image.tobytes()


def read_and_kept(source: SourcePage) -> tuple[Page, bytes]:
    """Read a split task's page and keep its image, as a range does; return both."""
    user = User(email="split@example.com")
    with db.session() as session:
        session.add(user)
    with db.session() as session:
        task = session.get(Task, queued_task(user.id))
    page = recognize_page(source, "tesseract", ["eng"], lambda *_: None, load_engine)
    store_page_image(task, source)  # what the range's searchable PDF part is made of
    return page, page_image(task, 1)[0]


def test_a_split_tasks_page_image_is_kept_as_it_was_read(sqlite_app):
    with sqlite_app.app_context():
        page, kept = read_and_kept(SourcePage(1, tilted(prose_image(PROSE), -4.0)))
    image = Image.open(io.BytesIO(kept))
    assert page.skew and image.size == (page.width, page.height)
    assert detect_skew(image) == 0.0  # levelled, as its words' boxes are


def test_a_black_and_white_page_is_kept_as_read_black_and_white_in_group_4(sqlite_app):
    # An office scanner's black-and-white mode: its off-white paper dithered into dots.
    askew = tilted(prose_image(PROSE), -4.0).convert("L").point(lambda value: value * 0.86)
    scanned = askew.convert("1").convert("RGB")
    with sqlite_app.app_context():
        page, kept = read_and_kept(SourcePage(1, scanned.copy()))
    image = Image.open(io.BytesIO(kept))
    assert page.skew and (image.format, image.info["compression"]) == ("TIFF", "group4")
    as_read = image_as_read(SourcePage(1, scanned), page)  # a resumed task's
    assert image.convert("RGB").tobytes() == as_read.tobytes()
