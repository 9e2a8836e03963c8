"""Words Tesseract's layout cut apart, let go to be read again, or put back (quick; the last,
real OCR)."""

import pytest

from bench.corpus import as_uploaded, page
from bench.corpus_receipts import ITEMS
from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.engines.tesseract_cuts import cut_apart, put_back
from tasks.pipeline.reading import read_image


def word(text: str, left: int, top: int, block: int, line: int, size=(0, 30), sure=0.9):
    width, height = size
    box = Box(left, top, left + (width or 20 * len(text)), top + height)
    return Fragment(text, sure, box, (block, 1, line))


def read_down(texts: list[str], left: int, sure: float = 0.2) -> list[Fragment]:
    """Words Tesseract read down the page as one line: each under the last, 30 wide."""
    return [word(text, left, 50 * n, 3, 1, (30, 40), sure) for n, text in enumerate(texts)]


def kept(fragments: list[Fragment]) -> list[str]:
    return [fragment.text for fragment in cut_apart(fragments).kept]


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
    cut = cut_apart(fragments + read_down(["AN", "NE", "wow", "TT"], 400))
    assert [fragment.text for fragment in cut.kept] == ["item0", "item1", "item2", "item3"]
    assert [fragment.text for fragment in cut.let_go] == [".45", ".10", ".20", ".78"]


def test_a_column_a_gutter_right_of_a_block_read_down_is_kept():
    fragments = receipt_rows(["1.45", "1.10", "3.20", "0.78"], 430 + 45)
    down = read_down(["AN", "NE", "wow", "TT"], 400)
    assert cut_apart(fragments + down) == (fragments, [])  # the line read down: dropped


def test_a_word_turned_on_its_side_and_read_well_is_kept():
    fragments = receipt_rows(["1.45", "1.10", "3.20", "0.78"], 420)
    turned = [word("CONFIDENTIAL", 500, 0, 3, 1, (30, 200), sure=0.9)]
    assert cut_apart(fragments + turned) == (fragments + turned, [])


def test_a_line_cut_between_two_blocks_a_few_pixels_apart_goes_whole():
    """Found on the same receipt, photographed again: each price cut at its point, the
    digits before it one block, the rest another."""
    digits = [word(digit, 400, 50 * row, 3, row) for row, digit in enumerate("1301")]
    prices = receipt_rows([".45", ".10", ".20", ".78"], 420 + 8)
    assert kept(prices + digits) == ["item0", "item1", "item2", "item3"]


def test_a_digit_cut_from_its_line_goes_with_the_whole_line():
    # Read again whole: a word kept beside the digit's would hide its ink.
    fragments = [word("8", 0, 0, 1, 1), word("June:", 30, 0, 2, 1), word("fair", 150, 0, 2, 1)]
    fragments.append(word("Stalls", 0, 50, 2, 2))
    assert kept(fragments) == ["Stalls"]


@pytest.mark.parametrize("gap", [45, 60])  # a gutter (1.5 text heights) apart, or more
def test_a_digit_a_gutter_from_a_word_of_another_block_and_words_of_one_block_are_kept(gap):
    fragments = [word("2", 100, 0, 1, 1), word("x", 120 + gap, 0, 2, 1)]
    # One block's words as close as a word's space.
    fragments += [word("Total", 0, 200, 4, 1), word("3", 105, 200, 4, 1), word("x", 130, 200, 4, 1)]
    assert cut_apart(fragments) == (fragments, [])


def test_a_label_close_to_its_value_in_another_block_is_kept():
    """A photographed form's label, read a block apart from its value a word's space away
    (library_form: "Email" lost when both were read again)."""
    fragments = [word("Email", 0, 0, 1, 1), word("d.okafor@example.net", 110, 0, 2, 1)]
    assert cut_apart(fragments) == (fragments, [])


def test_words_let_go_and_not_found_again_are_put_back_in_their_place():
    """A tall initial letter read unsure, beside its paragraph's first lines: the lines are
    let go, their ink is one blob with the letter's, no line to find again, and they must
    not be lost."""
    initial = word("I", 0, 0, 1, 1, (40, 100), sure=0.3)
    paragraph = [word(f"line{n}", 50, 35 * n, 2, n) for n in range(4)]
    paragraph[1] = word("l1ne1", 50, 35, 2, 1, sure=0.5)  # read unsure, as a cut figure is
    read = [initial, *paragraph, word("after", 0, 200, 3, 1)]
    cut = cut_apart(read)
    assert [fragment.text for fragment in cut.let_go] == ["line0", "l1ne1", "line2"]
    found = [word("line0", 50, 0, -1, 1)]  # only the first found again
    back = put_back(read, cut, found)
    assert [fragment.text for fragment in back] == ["line2", "line3", "after"]


@pytest.mark.slow  # a reading of a corpus page
def test_a_receipt_photographed_is_read_row_by_row_each_price_and_band_beside_its_item():
    text = read_image(as_uploaded(page("receipt_photo")), "tesseract", ["eng"])[1].text
    rows = [" ".join(row) for row in ITEMS[:4]]  # item, price, tax band
    assert all(row in text.splitlines() for row in rows), text
