"""Text Tesseract's page layout passed over, found by its ink and read again (real OCR)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.corpus import LAYOUTS, as_uploaded, page
from bench.corpus_photos import LIBRARY_ROWS
from bench.quality import character_error_rate
from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.engines.tesseract_engine import _read
from tasks.pipeline.engines.tesseract_unread import (
    Part,
    found_again,
    in_order,
    unread_lines,
)
from tasks.pipeline.reading import read_image
from tests.documents import PROSE, page_image
from tests.tasks.pipeline.test_reading_order import bare_tesseract


def test_a_line_no_word_read_covers_is_found_and_nothing_else():
    image = page_image(PROSE[:6])
    read = _read(image, ["eng"], "")
    assert unread_lines(image, read) == []
    keys = list(dict.fromkeys(fragment.line_key for fragment in read))
    assert len(keys) == 6
    fourth = [fragment for fragment in read if fragment.line_key == keys[3]]
    lost = fourth[0].box
    for fragment in fourth[1:]:
        lost = lost.union(fragment.box)
    found = unread_lines(image, [fragment for fragment in read if fragment not in fourth])
    assert len(found) == 1
    assert abs(found[0].top - lost.top) < lost.height / 2
    assert abs(found[0].bottom - lost.bottom) < lost.height / 2
    assert found[0].left <= lost.left + 10 and found[0].right >= lost.right - 10


def test_bars_rules_and_specks_are_not_lines_of_text():
    prose = page_image(PROSE[:3])
    width, height = prose.size
    image = Image.new("RGB", (width, height + 500), "white")
    image.paste(prose)
    read = _read(image, ["eng"], "")
    # A strip of a dithered picture, as tall as a line, lighter and darker: dots, not letters.
    random = np.random.default_rng(7)
    shade = np.kron(random.uniform(0.05, 0.6, (5, 75)), np.ones((8, 8)))
    dots = random.random((40, 600)) < shade
    image.paste(Image.fromarray(np.where(dots, 0, 255).astype(np.uint8)), (40, height + 420))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, height + 20, 400, height + 120), fill="black")  # a bar, a photo
    draw.line((40, height + 200, width - 40, height + 200), fill="black", width=2)  # a rule
    for x in range(60, width - 60, 37):  # specks of dust
        draw.point((x, height + 300), fill="black")
    assert unread_lines(image, read) == []


def word(text: str, left: int, top: int, key: tuple, confidence: float = 0.9) -> Fragment:
    return Fragment(text, confidence, Box(left, top, left + 20 * len(text), top + 20), key)


def stacked(lines: list[Box]) -> Part:
    """Lines stacked as `read_out` stacks them: 10 pixels apart, 10 from the left."""
    tops = [10 + sum(line.height + 10 for line in lines[:n]) for n in range(len(lines))]
    return Part(Image.new("RGB", (1000, 1000)), list(zip(lines, tops, strict=True)), 10, 1)


def test_lines_found_again_make_a_block_where_they_stand_in_a_column():
    lines = [Box(0, 100 * row, 300, 100 * row + 30) for row in range(3)] + [Box(600, 0, 900, 30)]
    read = [
        word("Surname", 15, 15, (1, 1, 1)),  # each on its stacked line: 10, 50, 90, 130
        word("Postcode", 15, 55, (1, 1, 2)),
        word("Email", 15, 95, (1, 1, 3)),
        word("~~", 15, 135, (1, 1, 4), confidence=0.3),  # noise read as letters
        word(".", 100, 135, (1, 1, 5)),  # a speck, read confidently
        # A dithered photograph's texture: a word or two confident among noise.
        *(word(text, 150 + 50 * n, 135, (1, 1, 6), 0.1) for n, text in enumerate(["aE", "Sn"])),
        word("pay", 300, 135, (1, 1, 6), confidence=0.57),
    ]
    found = found_again(read, stacked(lines))
    assert [(f.text, f.box.top, f.line_key[1:]) for f in found] == [
        ("Surname", 5, (1, 1)),
        ("Postcode", 105, (1, 2)),
        ("Email", 205, (1, 3)),
    ]
    assert len({f.line_key[0] for f in found}) == 1


def test_two_columns_found_again_side_by_side_stay_two_blocks():
    # Found in review: read again as one block, each line ran across both columns.
    lines = [Box(0, 0, 200, 30), Box(400, 0, 600, 30), Box(0, 40, 200, 70), Box(400, 40, 600, 70)]
    texts = ["Town Hall", "Telephone 01233", "Station Road", "Open Monday"]
    read = [word(text, 15, 15 + 40 * n, (1, 1, n)) for n, text in enumerate(texts)]
    found = found_again(read, stacked(lines))
    blocks = {}
    for fragment in found:
        blocks.setdefault(fragment.line_key[0], []).append(fragment.text)
    assert list(blocks.values()) == [
        ["Town Hall", "Station Road"],
        ["Telephone 01233", "Open Monday"],
    ]


def test_words_found_again_after_a_words_read_on_their_line_come_after_them():
    # Found in review: "this page was updated" (grey, found again) read before "Notice:".
    read = [word("Notice:", 0, 0, (1, 1, 1)), word("and its second, long line", 0, 30, (1, 1, 2))]
    read += [word("A paragraph below.", 0, 100, (2, 1, 1))]
    found = [word("this page was updated", 150, 0, (-1, 1, 1))]
    ordered = in_order(read, found)
    assert [f.text for f in ordered] == [
        "Notice:",
        "this page was updated",  # on the line it continues
        "and its second, long line",
        "A paragraph below.",
    ]
    assert ordered[1].line_key == ordered[0].line_key


def test_a_block_found_again_goes_before_the_first_block_read_below_it_or_level_to_its_right():
    read = [
        word("Title", 0, 0, (1, 1, 1)),
        word("Okafor", 400, 100, (2, 1, 1)),
        word("Leyton", 400, 200, (2, 1, 2)),
        word("Closing words across the page", 0, 400, (3, 1, 1)),
    ]
    found = [word("Surname", 0, 104, (-1, 1, 1)), word("Address", 0, 200, (-1, 1, 2))]
    found += [word("Signed", 400, 300, (-2, 1, 1))]
    assert [f.text for f in in_order(read, found)] == [
        "Title",
        "Surname",  # level with the values to its right: before them
        "Address",
        "Okafor",
        "Leyton",
        "Signed",  # under the values: before the first block below it across from it
        "Closing words across the page",
    ]


def test_a_number_found_again_goes_before_the_step_level_with_it_to_its_right():
    read = [
        word("Lift the lid.", 60, -100, (3, 1, 1)),
        word("Close the cover.", 60, 0, (1, 1, 1)),
        word("Connect the power.", 60, 100, (2, 1, 1)),
    ]
    found = [word("2.", 0, 4, (-1, 1, 1))]  # Tesseract missed the second step's number
    assert [f.text for f in in_order(read, found)] == [
        "Lift the lid.",
        "2.",
        "Close the cover.",
        "Connect the power.",
    ]


@pytest.mark.slow  # two readings of a corpus page
def test_a_forms_labels_a_photographs_layout_lost_are_read_beside_their_values():
    name = "library_form"
    assert LAYOUTS[name].kind == "photo"
    bare = bare_tesseract(name)
    assert "Surname" not in bare  # Tesseract's layout passes the whole column over
    _, read = read_image(as_uploaded(page(name)), "tesseract", ["eng"])
    lines = read.text.splitlines()
    for label, _ in LIBRARY_ROWS:  # each label with its value beside it (a letter or two
        # of the values misread: "Okator")
        assert any(line.startswith(label) and len(line) > len(label) + 3 for line in lines)
    truth = page(name).truth
    # 0.10 against 0.31: what is left is the photo's blur (a line split, "Okator").
    assert character_error_rate(truth, read.text) < character_error_rate(truth, bare) / 2
