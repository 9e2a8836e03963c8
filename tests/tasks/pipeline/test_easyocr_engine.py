"""The EasyOCR engine: its device, how it finds lines, and real readings of small images."""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw, ImageFont

from tasks.pipeline.engines import load_engine
from tasks.pipeline.engines.easyocr_engine import resolve_device
from tasks.pipeline.engines.easyocr_regions import Word, detector_scale, lines, widen_lines
from tasks.pipeline.layout import build_page
from tasks.pipeline.render import render_html, render_json, summary
from tasks.pipeline.sources import decode_image
from tests.images import text_image

no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")


def test_auto_is_the_gpu_where_there_is_one():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"


@no_gpu
def test_cuda_without_a_gpu_is_refused():
    with pytest.raises(ValueError, match="no CUDA device"):
        resolve_device("cuda")


def test_an_unknown_device_is_refused():
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        resolve_device("tpu")


def test_the_detector_sees_letters_11_pixels_high_and_never_more_pixels_than_readtext():
    page = np.zeros((3300, 2550), np.uint8)
    page[100:122, 100:2000:20] = 1  # letters 22 pixels high, 1 wide
    assert detector_scale(page) == 0.5
    page[100:122] = 0
    page[100:105, 100:2000:20] = 1  # 5 pixels high: readtext's own scale, 2560 / 3300
    assert detector_scale(page) == pytest.approx(2560 / 3300)


def word(left: int, top: int, right: int, bottom: int, rise: int = 0) -> Word:
    """A CRAFT word box whose right end is `rise` pixels higher than its left."""
    return Word(
        np.array([[left, top], [right, top - rise], [right, bottom - rise], [left, bottom]])
    )


def test_words_close_on_a_level_line_join_and_a_gutter_splits_them():
    ink = np.zeros((100, 1000), np.uint8)
    upright, askew = lines(
        [word(10, 20, 100, 60), word(110, 20, 200, 60), word(400, 20, 500, 60)], ink
    )
    assert [box[:2] for box in upright] == [[6, 204], [396, 504]] and askew == []


def test_a_line_askew_is_cut_along_its_slant():
    ink = np.zeros((200, 1000), np.uint8)
    upright, askew = lines(
        [word(10, 100, 400, 140, rise=10), word(410, 90, 800, 130, rise=10)], ink
    )
    assert upright == [] and len(askew) == 1
    (left, top), (right, _), _, _ = askew[0]
    assert left < 10 and right > 800 and top < 100


def test_a_thin_letter_left_out_by_the_detector_is_taken_back_into_its_line():
    ink = np.zeros((100, 1000), np.uint8)
    ink[20:60, 90:96] = 1  # the 1 of 1951, that the detector missed
    ink[20:60, 106:200] = 1  # 951
    ink[20:60, 212:260] = 1  # the next word, closer than a word space, but a region of its own
    next_word = [[208, 16], [264, 16], [264, 64], [208, 64]]
    ((left, right, _, _),) = widen_lines([[102, 204, 16, 64]], [next_word], ink)
    assert left <= 90 and right == 204


@pytest.mark.slow
def test_reads_the_words_with_boxes_where_they_were_drawn():
    lines_drawn = [
        ["quick", "brown", "foxes"],
        ["jump", "over", "seven"],
        ["lazy", "dogs", "today"],
    ]
    image = Image.new("RGB", (1200, 400), "white")
    draw, font = ImageDraw.Draw(image), ImageFont.load_default(size=48)
    drawn = {}
    for row, line in enumerate(lines_drawn):
        left = 60 + 90 * row
        for text in line:
            drawn[text] = draw.textbbox((left, 40 + 120 * row), text, font=font)
            draw.text((left, 40 + 120 * row), text, fill="black", font=font)
            left = drawn[text][2] + 30
    reports = []
    fragments = load_engine("easyocr", 1).recognize(
        image, ["eng"], lambda fraction, _: reports.append(fraction)
    )
    for text, (left, top, right, bottom) in drawn.items():
        box = next(f.box for f in fragments if text in f.text.lower().split())
        assert box.left <= left + 2 and box.top <= top + 2, text
        assert box.right >= right - 2 and box.bottom >= bottom - 2, text
        assert box.right <= 1200 and box.bottom <= 400
    assert reports == sorted(reports) and reports[-1] == 1.0


@pytest.fixture(scope="module")
def engine():
    return load_engine("easyocr", 1)


@pytest.mark.slow
def test_engine_is_built_once_per_process(engine):
    assert load_engine("easyocr", 1) is engine


@pytest.mark.slow
def test_recognises_the_words_in_reading_order_with_rising_progress(engine):
    image = decode_image(text_image(["invoice number seven", "total amount due"]))
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


@pytest.mark.slow
def test_results_render_the_recognised_lines(engine):
    image = decode_image(text_image(["<b>bold</b> & co"]))
    page = build_page(engine.recognize(image, ["eng"], lambda *_: None), 1, 10, 10)
    html = render_html([page], title="a<title>").decode()
    assert "&lt;title&gt;" in html and "<b>" not in html
    assert summary([page])["pageCount"] == 1
    assert b'"words"' in render_json("task", [page], {"name": "easyocr"})
