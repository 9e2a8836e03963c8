"""Reading order on the layout corpus's degraded scans, held for each engine (real OCR).

The corpus (bench/corpus.py) renders pages with a known true reading order and degrades
them like a scanner or a phone; `make bench` measures every page, these tests hold a few.
"""

import os
import subprocess
import tempfile

import pytest

from bench.corpus import as_uploaded, page
from bench.quality import character_error_rate, word_recall
from tasks.pipeline.engines import load_engine
from tasks.pipeline.reading import read_image

# Multi-column pages: a title over two columns with headings level across them, three
# columns with indented paragraphs, a narrow sidebar beside a wide column.
COLUMN_PAGES = ["product_sheet", "newsletter", "composting_guide"]


def bare_tesseract(name: str) -> str:
    """Read the corpus page with the `tesseract` command, as a user would."""
    with tempfile.NamedTemporaryFile(suffix=".png") as png:
        page(name).image.save(png.name)
        environment = os.environ | {"OMP_THREAD_LIMIT": "1"}
        command = ["tesseract", png.name, "stdout"]
        return subprocess.run(command, capture_output=True, text=True, env=environment).stdout


def error_rate(name: str, engine: str) -> float:
    _, read = read_image(as_uploaded(page(name)), engine, ["eng"])
    return character_error_rate(page(name).truth, read.text)


@pytest.mark.slow  # a whole corpus page each, 15 to 25 s on two cores
@pytest.mark.parametrize("name", COLUMN_PAGES)
def test_tesseract_reads_columns_in_order_no_worse_than_bare_tesseract(name):
    bare = character_error_rate(page(name).truth, bare_tesseract(name))
    ours = error_rate(name, "tesseract")
    assert ours <= bare + 0.001
    assert ours < 0.03


@pytest.mark.slow
def test_a_page_scanned_with_the_lid_open_is_levelled_on_the_black_around_it():
    # Half the image is the black of the open lid; the page lies 2.85 degrees clockwise.
    bare = character_error_rate(page("essay_lid_open").truth, bare_tesseract("essay_lid_open"))
    assert bare > 0.3  # Tesseract's layout falls apart on the page as it lies
    assert error_rate("essay_lid_open", "tesseract") < 0.01


@pytest.mark.slow
def test_a_black_and_white_invoice_is_levelled_as_black_and_white():
    # Dithered, 2.25 degrees clockwise: turned as grey, its dots read as noise (CER 0.38).
    # Its table is read row by row (at another threshold Tesseract cut it into columns:
    # test_layout.py holds the re-joining).
    assert error_rate("invoice_bilevel", "tesseract") < 0.01


def test_tesseract_reads_a_menu_beside_a_panel_as_two_columns():
    # Bare Tesseract reads this screenshot line by line across the gutter (CER 0.11).
    assert error_rate("settings_screen", "tesseract") < 0.03


@pytest.mark.slow
def test_easyocr_reads_the_two_column_sheet_in_order():
    # EasyOCR's own readtext reads across the columns here (CER about 0.67).
    assert error_rate("product_sheet", "easyocr") < 0.05


@pytest.mark.slow
def test_auto_reads_a_phone_photo_with_easyocr_too_and_keeps_a_reading_no_worse():
    photo, asked = page("water_notice"), []

    def load(name: str):
        asked.append(name)
        return load_engine(name)

    _, read = read_image(photo.image, "auto", ["eng"], load=load)
    _, tesseract = read_image(photo.image, "tesseract", ["eng"])
    assert asked == ["tesseract", "easyocr"]  # a photo: Tesseract's confidence cannot tell
    assert word_recall(photo.truth, read.text) >= word_recall(photo.truth, tesseract.text)
    assert character_error_rate(photo.truth, read.text) < 0.05
