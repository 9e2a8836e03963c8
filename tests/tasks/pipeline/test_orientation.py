"""Setting a page straight: its skew measured and levelled on printed pages, no OCR."""

import tracemalloc

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tasks.pipeline.orientation import detect_skew, level, set_straight, upright
from tests.documents import PROSE, page_image, tilted


@pytest.mark.parametrize("degrees", [-7.5, -4.0, -2.5, 0.8, 3.0, 9.0])
def test_a_page_fed_askew_is_measured_to_a_tenth_of_a_degree(degrees):
    assert detect_skew(tilted(page_image(PROSE), degrees)) == pytest.approx(degrees, abs=0.1)


def test_a_page_askew_by_less_than_half_a_degree_is_left_as_it_is():
    assert detect_skew(page_image(PROSE)) == 0.0
    assert detect_skew(tilted(page_image(PROSE), 0.3)) == 0.0


def test_a_page_with_no_lines_to_tell_by_is_not_levelled():
    rng = np.random.default_rng(1)
    speckles = Image.fromarray((rng.random((800, 600)) * 255).astype(np.uint8)).convert("RGB")
    sideways = upright(tilted(page_image(PROSE), 3.0), 90)
    assert detect_skew(Image.new("RGB", (600, 800), "white")) == 0.0
    assert detect_skew(speckles) == 0.0
    assert detect_skew(sideways) == 0.0


@pytest.mark.parametrize("degrees", [-4.0, 3.0])
def test_a_small_page_on_a_dark_scanner_bed_or_in_shadow_is_measured(degrees):
    sheet = page_image(PROSE).rotate(degrees, Image.Resampling.BILINEAR, expand=True, fillcolor=20)
    on_bed = Image.new("RGB", (sheet.width * 2, sheet.height * 3 // 2), (20, 20, 20))
    on_bed.paste(sheet, (sheet.width // 2, sheet.height // 4))
    # Lit from the top: the paper at the foot in shadow, at 0.35 of its brightness.
    shaded = np.asarray(tilted(page_image(PROSE), degrees), dtype=np.float32)
    shaded *= np.linspace(1.0, 0.35, shaded.shape[0], dtype=np.float32)[:, None, None]
    in_shadow = Image.fromarray(shaded.astype(np.uint8))
    assert detect_skew(on_bed) == pytest.approx(degrees, abs=0.1)
    assert detect_skew(in_shadow) == pytest.approx(degrees, abs=0.1)


def test_a_small_page_with_grainy_paper_is_measured():
    # Measured at its own size (under 800 pixels across): no shrinking smooths the grain.
    page = tilted(page_image(PROSE).resize((710, 360)), 3.0).convert("L")
    grain = np.random.default_rng(3).normal(0, 20, (page.height, page.width))
    grainy = np.clip(np.asarray(page, dtype=np.float32) * 170 / 255 + grain, 0, 255)
    assert detect_skew(Image.fromarray(grainy.astype(np.uint8))) == pytest.approx(3.0, abs=0.1)


def test_lines_in_part_of_the_page_do_not_turn_the_whole_page():
    # Hatching rising 6 degrees across the top third of a level page.
    hatched = page_image(PROSE + PROSE)
    draw, rise = ImageDraw.Draw(hatched), hatched.width * np.tan(np.radians(6))
    for top in range(-1200, hatched.height // 3, 40):
        draw.line([(0, top + rise), (hatched.width, top)], fill=(150, 150, 150), width=3)
    hatched.paste("white", (0, hatched.height // 3, hatched.width, hatched.height // 3 + 60))
    # A clipping pasted 3 degrees askew beside a level column, with twice its text.
    clipping = tilted(page_image(PROSE + PROSE), 3.0)
    column = page_image(PROSE)
    pasted = Image.new("RGB", (column.width + clipping.width + 80, clipping.height), "white")
    pasted.paste(column, (0, 0))
    pasted.paste(clipping, (column.width + 80, 0))
    assert detect_skew(hatched) == 0.0
    assert detect_skew(pasted) == 0.0


def test_a_narrow_tall_image_is_measured_without_enlarging_it():
    strip = Image.new("RGB", (60, 8000), "white")
    ImageDraw.Draw(strip).line([(0, 100), (60, 4000)], fill="black", width=4)
    tracemalloc.start()
    try:
        detect_skew(strip)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024  # made 800 pixels wide, its pixels alone took 340 MB


def test_a_levelled_page_keeps_its_size_and_resolution_and_its_paper_colour():
    paper = (250, 248, 240)
    page = Image.new("RGB", (1000, 700), paper)
    page.paste(page_image(PROSE).resize((900, 456)), (50, 100))
    askew = page.rotate(-4, Image.Resampling.BILINEAR, fillcolor=paper)
    askew.info["dpi"] = (300, 300)
    levelled = level(askew, detect_skew(askew))
    assert levelled.size == askew.size and levelled.info["dpi"] == (300, 300)
    assert levelled.getpixel((0, 0)) == paper  # a corner turned in
    assert detect_skew(levelled) == 0.0


@pytest.mark.parametrize("width", [1, 2])
def test_a_black_and_white_page_levelled_keeps_its_thin_rules(width):
    ruled = Image.new("L", (400, 400), "white")
    for step in range(5):
        ImageDraw.Draw(ruled).line((20, 40 + 60 * step, 380, 40 + 60 * step), width=width)
        ImageDraw.Draw(ruled).line((40 + 70 * step, 20, 40 + 70 * step, 380), width=width)
    levelled = np.asarray(level(ruled.convert("RGB"), 2.0).convert("L"))
    assert set(np.unique(levelled)) == {0, 255}
    black = np.count_nonzero(np.asarray(ruled) == 0)
    assert 0.8 * black < np.count_nonzero(levelled == 0) < 1.5 * black  # was a quarter


def test_a_page_is_set_straight_upright_first_then_level():
    page = tilted(page_image(PROSE), -3.0)
    sideways = page.rotate(90, expand=True)  # turned a quarter anticlockwise
    straight = set_straight(sideways, 90, detect_skew(page))
    assert straight.tobytes() == level(page, detect_skew(page)).tobytes()
    assert detect_skew(straight) == 0.0
