"""The EasyOCR engine on generated images, and image decoding."""

import io

import botocore.exceptions
import pytest
import redis
import sqlalchemy.exc
from PIL import Image

from ocrapp.core.models import File, FileType, Task
from tasks.errors import TRANSIENT_ERRORS, InvalidImage, TooManyPages, describe
from tasks.ocr import open_pages, recognize_file
from tasks.pipeline.engines import load_engine
from tasks.pipeline.layout import build_page
from tasks.pipeline.render import render_html, render_json, summary
from tasks.pipeline.sources import decode_image as open_image
from tests.documents import text_pdf
from tests.images import corrupt_png, text_image

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def engine():
    return load_engine("easyocr", 1)


@slow
def test_engine_is_built_once_per_process(engine):
    assert load_engine("easyocr", 1) is engine


@slow
def test_recognises_the_words_in_reading_order_with_rising_progress(engine):
    image = open_image(text_image(["invoice number seven", "total amount due"]))
    reports = []
    fragments = engine.recognize(image, ["eng"], lambda fraction, _: reports.append(fraction))
    page = build_page(fragments, 1, image.width, image.height)
    # EasyOCR sometimes drops a space between words; the order is what this checks.
    assert [line.text.lower().replace(" ", "") for line in page.lines] == [
        "invoicenumberseven",
        "totalamountdue",
    ]
    assert 4 <= page.word_count <= 6
    assert all(0 < line.confidence <= 1 for line in page.lines)
    assert reports == sorted(reports) and reports[-1] == 1.0


@slow
def test_results_render_the_recognised_lines(engine):
    image = open_image(text_image(["<b>bold</b> & co"]))
    page = build_page(engine.recognize(image, ["eng"], lambda *_: None), 1, 10, 10)
    html = render_html([page], title="a<title>").decode()
    assert "&lt;title&gt;" in html and "<b>" not in html
    assert summary([page])["pageCount"] == 1
    assert b'"words"' in render_json("task", [page], {"name": "easyocr"})


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    image = open_image(buffer.getvalue())
    red, _, blue = image.getpixel((0, 0))
    assert red > 200 and blue < 50


def test_corrupt_image_is_an_invalid_image_error():
    with pytest.raises(InvalidImage) as caught:
        open_image(corrupt_png())
    assert caught.value.code == "invalid_image"


def test_unreachable_services_are_retried_and_bad_input_is_not():
    assert recognize_file.autoretry_for == TRANSIENT_ERRORS
    assert recognize_file.retry_jitter and recognize_file.retry_backoff
    assert isinstance(redis.ConnectionError(), TRANSIENT_ERRORS)
    assert isinstance(sqlalchemy.exc.OperationalError("x", {}, Exception()), TRANSIENT_ERRORS)
    assert not isinstance(InvalidImage("bad"), TRANSIENT_ERRORS)
    assert describe(redis.ConnectionError())[0] == "service_unavailable"
    unreachable_s3 = botocore.exceptions.EndpointConnectionError(endpoint_url="http://s3")
    assert isinstance(unreachable_s3, TRANSIENT_ERRORS)


def test_the_worker_checks_the_page_cap_again(app):
    app.config["MAX_PAGES"] = 2
    task = Task(options={}, file=File(file_type=FileType.PDF))
    with app.app_context(), pytest.raises(TooManyPages) as refused:
        open_pages(task, text_pdf([["one"], ["two"], ["three"]]))
    assert describe(refused.value)[0] == "too_many_pages"
