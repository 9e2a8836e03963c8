"""Ruling lines painted out before Tesseract reads, and ruled tables read row by row."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from bench.corpus import LAYOUTS, as_uploaded, page
from bench.corpus_scans import TRAINING_ROWS
from bench.quality import character_error_rate
from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.layout.grids import Grid, Rule, RuledRows, in_grid_order, ruled_rows
from tasks.pipeline.reading import read_image
from tasks.pipeline.rules import rule_out
from tests.tasks.pipeline.test_reading_order import bare_tesseract

ROWS = [("Name", "Room"), ("Anna Berg", "Oak 2"), ("Tomas Reyes", "Hall A")]
LEFT, TOP, CELL_WIDTH, ROW_HEIGHT = 100, 300, 500, 100


def ruled_table(tilt: float = 0.0) -> tuple[Image.Image, list[tuple[int, int]]]:
    """A page with a table ruled in a grid (two columns, three rows) and a line of prose
    above it; return it and where each cell's text begins."""
    image = Image.new("L", (1600, 1000), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    draw.text((LEFT, 120), "Rooms booked for the week, as the office keeps them", font=font)
    starts = []
    for row, cells in enumerate(ROWS):
        for column, text in enumerate(cells):
            start = (LEFT + column * CELL_WIDTH + 20, TOP + row * ROW_HEIGHT + 25)
            draw.text(start, text, font=font)
            starts.append(start)
    right, bottom = LEFT + 2 * CELL_WIDTH, TOP + 3 * ROW_HEIGHT
    for row in range(4):
        y = TOP + row * ROW_HEIGHT
        draw.line((LEFT, y, right, y), width=3)
    for column in range(3):
        x = LEFT + column * CELL_WIDTH
        draw.line((x, TOP, x, bottom), width=3)
    if tilt:
        image = image.rotate(tilt, Image.Resampling.BILINEAR, fillcolor=235)
    return image, starts


def longest_run(pixels: np.ndarray) -> int:
    """The longest run of set pixels along a row."""
    edges = np.diff(np.pad(pixels, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    return int((np.nonzero(edges == -1)[1] - np.nonzero(edges == 1)[1]).max())


def dark(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """The number of dark pixels in the box."""
    return int((np.asarray(image.crop(box)) < 128).sum())


@pytest.mark.parametrize("tilt", [0.0, 1.5])
def test_a_grids_rules_are_painted_out_and_its_text_kept(tilt):
    image, starts = ruled_table(tilt)
    ruled = rule_out(image)
    # No rule is left: nothing dark runs on for a word's length, across or down.
    pixels = np.asarray(ruled.image) < 128
    assert longest_run(np.asarray(image) < 128) > ROW_HEIGHT
    assert longest_run(pixels) < 60 and longest_run(pixels.T) < 60
    for left, top in starts:  # each cell's text as it was
        box = (left - 5, top, left + 200, top + 45)
        assert dark(ruled.image, box) == pytest.approx(dark(image, box), rel=0.05)
    (grid,) = ruled.grids
    assert (len(grid.across), len(grid.down)) == (4, 3)
    for row, column in [(0, 0), (1, 1), (2, 0)]:
        left, top = starts[2 * row + column]
        assert grid.cell(Box(left, top, left + 100, top + 40)) == (row, column)
    assert grid.cell(Box(LEFT + 20, 120, LEFT + 200, 160)) is None  # the prose above


def test_a_table_without_its_border_is_no_grid():
    # Rules only between the rows and between the columns (four of each): the cells at the
    # table's edges have no rule to bound them (found in review: read half by its cells,
    # half in Tesseract's order).
    image, _ = ruled_table()
    image.paste(235, (0, TOP - 10, 1600, 1000))
    draw = ImageDraw.Draw(image)
    for step in (1, 2, 3):
        draw.line((LEFT, TOP + 100 * step, LEFT + 1200, TOP + 100 * step), width=3)
        draw.line((LEFT + 300 * step, TOP, LEFT + 300 * step, TOP + 400), width=3)
    ruled = rule_out(image)
    assert ruled.image is not image and ruled.grids == []


def test_strokes_crossing_an_underline_are_kept():
    image = Image.new("L", (1600, 400), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    draw.text((100, 100), "Read the notes before the meeting", font=font)
    draw.text((100, 200), "A line of body text under it", font=font)
    draw.line((90, 143, 850, 143), width=3)
    for x in (300, 500, 700):  # tails of letters through it, straight down (a p's, a q's)
        draw.line((x, 125, x, 158), width=4)
    ruled = rule_out(image)
    for x in (300, 500, 700):
        tail = (x - 3, 125, x + 3, 159)
        assert dark(ruled.image, tail) == pytest.approx(dark(image, tail), rel=0.05)
    assert longest_run(np.asarray(ruled.image) < 128) < 100  # the underline is gone


def test_a_large_thin_letters_strokes_are_not_rules():
    # A heading in a light type, letters a page's rules' length: T, E, H, I and L.
    image = Image.new("L", (1600, 700), 235)
    draw = ImageDraw.Draw(image)
    draw.text((100, 450), "A line of body text", font=ImageFont.load_default(size=40))
    strokes = {  # from (0, 0) at the letter's top left to (1, 1) at its bottom right
        "T": [(0, 0, 1, 0), (0.5, 0, 0.5, 1)],
        "E": [(0, 0, 0, 1), (0, 0, 1, 0), (0, 0.5, 0.8, 0.5), (0, 1, 1, 1)],
        "H": [(0, 0, 0, 1), (1, 0, 1, 1), (0, 0.5, 1, 0.5)],
        "I": [(0.5, 0, 0.5, 1)],
        "L": [(0, 0, 0, 1), (0, 1, 1, 1)],
    }
    for number, lines in enumerate(strokes.values()):
        left = 100 + number * 280
        for x0, y0, x1, y1 in lines:
            draw.line((left + 200 * x0, 100 + 300 * y0, left + 200 * x1, 100 + 300 * y1), width=4)
    assert rule_out(image).image is image


def test_small_type_bars_and_bands_are_not_rules():
    # A screenshot's small type, its letters run together when made small.
    screenshot = page("settings_screen").image
    assert rule_out(screenshot).image is screenshot
    image = Image.new("L", (1600, 1000), 235)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 900, 160), fill=20)  # a bar of a chart
    draw.rectangle((100, 300, 1500, 380), fill=40)  # a dark band behind white text
    draw.text((120, 310), "Opening hours", fill=255, font=ImageFont.load_default(size=48))
    draw.text((100, 600), "Kept as it is", fill=0, font=ImageFont.load_default(size=40))
    ruled = rule_out(image)
    assert ruled.image is image and ruled.grids == []


def word(text: str, left: int, top: int, key: tuple[int, int, int]) -> Fragment:
    return Fragment(text, 0.9, Box(left, top, left + 20 * len(text), top + 20), key)


def across(y: float, start: float = 0, end: float = 600, slope: float = 0.0) -> Rule:
    return Rule(start, end, y - slope * start, slope)


def down(x: float, start: float = 100, end: float = 400) -> Rule:
    return Rule(start, end, x, 0.0)


def test_a_tables_columns_read_one_after_another_are_read_row_by_row():
    # Rows tilted down to the right, as a photograph's are; a row's cells not level.
    grid = Grid(
        tuple(across(y, slope=0.05) for y in (100, 200, 300, 400)),
        (down(0), down(300), down(600)),
    )
    title = word("Rooms", 0, 40, (1, 1, 1))
    dates = [word("May", 20, 130, (2, 1, 1)), word("June", 20, 230, (2, 1, 2))]
    rooms = [word("Oak", 320, 140, (3, 1, 1)), word("Gym", 320, 240, (3, 1, 2))]
    footer = word("Lunch", 0, 500, (4, 1, 1))
    fragments = in_grid_order([title, *dates, footer, *rooms], [grid])
    assert [f.text for f in fragments] == ["Rooms", "May", "Oak", "June", "Gym", "Lunch"]
    keys = [f.line_key for f in fragments]
    assert keys[0] == (1, 1, 1) and keys[-1] == (4, 1, 1)
    assert keys[1] == keys[2] != keys[3] == keys[4]  # a row is a line
    assert keys[1][0] == 5  # a block of its own


def test_a_cell_across_two_columns_is_bound_by_the_rules_that_run_past_it():
    # The second row's cell spans both columns: the middle rule stops at the first row.
    grid = Grid(
        (across(100), across(200), across(300)),
        (down(0, 100, 300), down(300, 100, 200), down(600, 100, 300)),
    )
    assert grid.cell(Box(400, 230, 500, 250)) == (1, 0)
    assert grid.cell(Box(400, 130, 500, 150)) == (0, 1)
    assert grid.cell(Box(400, 330, 500, 350)) is None  # below the table
    assert grid.cell(Box(700, 130, 800, 150)) is None  # beside it


@pytest.mark.slow  # two readings of a corpus page
def test_a_table_ruled_in_a_grid_is_read_not_taken_for_a_picture():
    name = "training_calendar"
    assert LAYOUTS[name].kind == "scan"
    truth = page(name).truth
    assert character_error_rate(truth, bare_tesseract(name)) > 0.3  # most rows dropped
    _, read = read_image(as_uploaded(page(name)), "tesseract", ["eng"])
    lines = read.text.splitlines()
    for cells in TRAINING_ROWS:
        assert " ".join(cells) in lines
    assert character_error_rate(truth, read.text) < 0.01


@pytest.mark.slow  # two readings of a corpus page
def test_a_photographed_grids_columns_are_read_row_by_row():
    name = "calendar_photo"
    assert LAYOUTS[name].kind == "photo"
    truth = page(name).truth
    bare = character_error_rate(truth, bare_tesseract(name))
    _, read = read_image(as_uploaded(page(name)), "tesseract", ["eng"])
    lines = read.text.splitlines()
    # Each row's date with the row's other cells after it on its line (a word or two
    # misread or lost to the photo's blur: "Hail A", a last row without its date).
    rows = [
        line
        for date, *_ in TRAINING_ROWS[1:]
        for line in lines
        if line.startswith(date + " ") and len(line.split()) >= 6
    ]
    assert len(rows) >= 6
    assert character_error_rate(truth, read.text) < min(0.1, bare / 5)


def test_rules_across_alone_one_under_another_rule_a_tables_rows():
    image = Image.new("L", (1600, 1000), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    draw.text((LEFT, 120), "Questions we are asked most often, with their answers", font=font)
    for row in range(4):  # a rule under each row, none down
        draw.text((LEFT, 225 + 100 * row), f"Question number {row}", font=font)
        draw.text((LEFT + 700, 225 + 100 * row), f"Answer number {row}", font=font)
        draw.line((LEFT, 300 + 100 * row, LEFT + 1300, 300 + 100 * row), width=3)
    (grid,) = rule_out(image).grids
    assert isinstance(grid, RuledRows)
    assert len(grid.across) == 6  # a row's height above and below too
    assert grid.cell(Box(LEFT + 700, 225, LEFT + 900, 265)) == (0, 0)
    assert grid.cell(Box(LEFT, 525, LEFT + 200, 565)) == (3, 0)
    assert grid.cell(Box(LEFT, 120, LEFT + 200, 160)) is None
    # Rules of other lengths, or two, are no table: underlines, a rule between paragraphs.
    assert ruled_rows([across(100, 0, 600), across(200, 0, 400), across(300, 0, 600)], 5) == []
    assert ruled_rows([across(100), across(200)], 5) == []


def test_a_table_ruled_between_its_rows_is_read_row_by_row_its_cells_left_to_right():
    # Tesseract's blocks for a question beside its answer, a rule under each row: the
    # questions, then each answer a block of its own (found in review: read column by
    # column, 0.573 against 0.073 for the tesseract command).
    (grid,) = ruled_rows([across(y, 0, 1000) for y in (150, 250, 350)], 5)
    questions = [word(f"Question {row}", 0, 120 + 100 * row, (1, 1, row)) for row in range(4)]
    answers = [word(f"Answer {row}", 500, 120 + 100 * row, (2 + row, 1, 1)) for row in range(4)]
    fragments = in_grid_order([*answers[:1], *questions, *answers[1:]], [grid])
    assert [f.text for f in fragments] == [
        text for row in range(4) for text in (f"Question {row}", f"Answer {row}")
    ]
    # Paragraphs between rules across a page (an article's sections): Tesseract's order.
    paragraph = [word("a line of prose", 0, 160 + 28 * line, (1, 1, line)) for line in range(6)]
    assert in_grid_order(paragraph, [grid]) == paragraph
