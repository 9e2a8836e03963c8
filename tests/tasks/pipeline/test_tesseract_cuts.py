"""Words Tesseract's layout cut apart, let go to be read again (quick; the last, real OCR)."""

import pytest

from bench.corpus import as_uploaded, page
from bench.corpus_receipts import ITEMS
from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.engines.tesseract_cuts import released
from tasks.pipeline.reading import read_image


def word(text: str, left: int, top: int, block: int, line: int, size=(0, 30), sure=0.9):
    width, height = size
    box = Box(left, top, left + (width or 20 * len(text)), top + height)
    return Fragment(text, sure, box, (block, 1, line))


def read_down(texts: list[str], left: int, sure: float = 0.2) -> list[Fragment]:
    """Words Tesseract read down the page as one line: each under the last, 30 wide."""
    return [word(text, left, 50 * n, 3, 1, (30, 40), sure) for n, text in enumerate(texts)]


def receipt_rows(prices: list[str], price_left: int) -> list[Fragment]:
    """Items in block 1, their prices as read in block 2 (each row 50 pixels down)."""
    items = [word(f"item{row}", 0, 50 * row, 1, row) for row in range(len(prices))]
    return items + [word(price, price_left, 50 * row, 2, row) for row, price in enumerate(prices)]


@pytest.mark.parametrize("price_left", [420, 433])  # across the block read down, or by it
def test_a_column_of_leading_digits_read_down_goes_with_the_prices_it_crosses(price_left):
    """Found reading a receipt: the prices' first digits read as a block of vertical text
    530 pixels tall, each price read without them (photographed, CER 0.257; scanned, the
    rest of each price 2 pixels right of it, 0.328)."""
    fragments = receipt_rows([".45", ".10", ".20", ".78"], price_left)
    kept = released(fragments + read_down(["AN", "NE", "wow", "TT"], 400))
    assert [fragment.text for fragment in kept] == ["item0", "item1", "item2", "item3"]


def test_a_column_a_gutter_right_of_a_block_read_down_is_kept():
    fragments = receipt_rows(["1.45", "1.10", "3.20", "0.78"], 430 + 45)
    down = read_down(["AN", "NE", "wow", "TT"], 400)
    assert released(fragments + down) == fragments


def test_a_word_turned_on_its_side_and_read_well_is_kept():
    fragments = receipt_rows(["1.45", "1.10", "3.20", "0.78"], 420)
    turned = [word("CONFIDENTIAL", 500, 0, 3, 1, (30, 200), sure=0.9)]
    assert released(fragments + turned) == fragments + turned


def test_a_line_cut_between_two_blocks_a_few_pixels_apart_goes_whole():
    """Found on the same receipt, photographed again: each price cut at its point, the
    digits before it one block, the rest another."""
    digits = [word(digit, 400, 50 * row, 3, row) for row, digit in enumerate("1301")]
    prices = receipt_rows([".45", ".10", ".20", ".78"], 420 + 8)
    kept = released(prices + digits)
    assert [fragment.text for fragment in kept] == ["item0", "item1", "item2", "item3"]


def test_a_digit_cut_from_its_line_goes_with_the_whole_line():
    # Read again whole: a word kept beside the digit's would hide its ink.
    fragments = [word("8", 0, 0, 1, 1), word("June:", 30, 0, 2, 1), word("fair", 150, 0, 2, 1)]
    fragments.append(word("Stalls", 0, 50, 2, 2))
    assert [fragment.text for fragment in released(fragments)] == ["Stalls"]


@pytest.mark.parametrize("gap", [45, 60])  # a gutter (1.5 text heights) apart, or more
def test_blocks_a_gutter_apart_and_words_of_one_block_are_kept(gap):
    fragments = receipt_rows(["1.45", "1.10", "3.20"], 100 + gap)
    # One block's words as close as a word's space.
    fragments += [word("Total", 0, 200, 4, 1), word("3", 105, 200, 4, 1)]
    assert released(fragments) == fragments


def test_a_label_close_to_its_value_in_another_block_is_kept():
    """A photographed form's label, read a block apart from its value a word's space away
    (library_form: "Email" lost when both were read again)."""
    fragments = [word("Email", 0, 0, 1, 1), word("d.okafor@example.net", 110, 0, 2, 1)]
    assert released(fragments) == fragments


@pytest.mark.slow  # a reading of a corpus page
def test_a_receipt_photographed_is_read_row_by_row_each_price_and_band_beside_its_item():
    text = read_image(as_uploaded(page("receipt_photo")), "tesseract", ["eng"])[1].text
    rows = [" ".join(row) for row in ITEMS[:4]]  # item, price, tax band
    assert all(row in text.splitlines() for row in rows), text
