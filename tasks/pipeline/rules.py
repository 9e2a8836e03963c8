"""Ruling lines: a table's grid, a form's boxes, underlines; found on the page and painted
out with the paper around them before Tesseract reads it.

Tesseract's layout analysis takes a ruled table for a picture and drops most of it: on a
scanned training calendar (a grid of four columns, eight rows) it read one row of the
eight; the same page with its rules painted out, every row.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy import ndimage

from tasks.pipeline.ink import ink_on_paper
from tasks.pipeline.layout.grids import Grid, Rule, ruled_rows

SCALE = 0.5  # the page is searched at half its size: a hairline rule is still a pixel wide
SMALL_TEXT = 8  # pixels: a page whose text is less tall made small is searched at full size
# A rule is a run of ink at least this share of the page's width long (across) or of its
# height (down), and this many times the text's height: longer than a letter's stroke
# (a letter's stem is a run down, its bar one across), shorter than a table's narrowest column;
RULE_LENGTH = 1 / 30
RULE_TEXT_HEIGHTS = 4
# and at most this share of the text's height thick: letters' stems and bowls are thicker,
# and so are a bar of a chart, a dark band behind white text, the edge of a photographed page.
RULE_THICKNESS = 1 / 3
MARGIN = 1  # pixels (as searched) painted out around a rule: its blurred edges


@dataclass(frozen=True)
class Ruled:
    """A page with its rules painted out, and the tables they rule."""

    image: Image.Image  # in grey, or the page as it came where it has no rules
    grids: list[Grid]


def rule_out(image: Image.Image) -> Ruled:
    """Find the page's rules; return it with them painted out, and the grids they make."""
    gray = image.convert("L")
    searched = _ink_to_search(gray)
    if searched is None:
        return Ruled(image, [])
    inked, paper, text_height, scale = searched
    thickness = max(round(text_height * RULE_THICKNESS), 1)
    across_length, down_length = (
        round(max(size * RULE_LENGTH, text_height * RULE_TEXT_HEIGHTS))
        for size in reversed(inked.shape)
    )
    # Where rules cross, each is thick across the other: the rules across the page are
    # found, then those down it on the ink without them, then those across again on the
    # ink without the rules down (a grid's narrow columns).
    across = _rules(inked, across_length, thickness, axis=1)
    down = _rules(inked & ~across, down_length, thickness, axis=0)
    across = _rules(inked & ~down, across_length, thickness, axis=1)
    if not (across.any() or down.any()):
        return Ruled(image, [])
    # A rule is cut where another crosses it: bridged over twice its thickness.
    bridge = 2 * thickness + 2 * MARGIN + 1
    across, down, lines = _kept(inked, _lines(across, bridge, axis=1), _lines(down, bridge, axis=0))
    if not (across.any() or down.any()):
        return Ruled(image, [])
    near_across, near_down = _grown(across), _grown(down)
    rules = (near_across | near_down).view(np.uint8)
    # Strokes that cross a rule are kept (a letter's tail through an underline), not
    # the rules themselves, nor ink along another rule (its blurred edge).
    crossing = (_runs(inked, thickness + 1, 0) & ~near_down) | (
        _runs(inked, thickness + 1, 1) & ~near_across
    )
    kept = inked & crossing & ~across & ~down
    painted = _painted(image, gray, rules.view(bool) & ~kept, paper)
    return Ruled(painted, _grids(rules, *lines, scale, slack=bridge))


class Found(NamedTuple):
    """A rule found: as a straight line, and one of its pixels (as searched)."""

    rule: Rule
    pixel: tuple[int, int]


# The rules found along one axis: each pixel's rule number (0 for none), and each rule.
Numbered = tuple[np.ndarray, list[Found]]


def _kept(inked: np.ndarray, across: Numbered, down: Numbered) -> tuple:
    """Return the rules across and down (masks, and those found) that are no letter's
    strokes (`_strokes_of_no_letter`)."""
    pieces, _ = ndimage.label(inked)
    counts: dict[int, list[int]] = {}
    for direction, (_, found) in enumerate((across, down)):
        for line in found:
            counts.setdefault(pieces[line.pixel], [0, 0])[direction] += 1
    boxes = ndimage.find_objects(pieces)
    kept = {
        piece for piece, count in counts.items() if _strokes_of_no_letter(count, boxes[piece - 1])
    }
    masks, lines = [], []
    for labels, found in (across, down):
        keep = [n for n, line in enumerate(found, start=1) if pieces[line.pixel] in kept]
        masks.append(np.isin(labels, keep))
        lines.append([line for line in found if pieces[line.pixel] in kept])
    return masks[0], masks[1], lines


def _strokes_of_no_letter(count: list[int], box: tuple[slice, slice]) -> bool:
    """Whether a piece of ink with `count` rules across and down, in `box`, is ruled: two
    rules or more each way (a box, a grid), or rules only across and at least twice as
    wide as tall (an underline, a rule between paragraphs).

    A large letter in a thin type has stems and bars as long and thin as rules: a T, an
    E, an H are pieces with a rule or two each way, an I one rule down.
    """
    rows, columns = box
    flat = columns.stop - columns.start >= 2 * (rows.stop - rows.start)
    return min(count) >= 2 or (count[1] == 0 and flat)


def _ink_to_search(gray: Image.Image) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Return the page's ink and paper made small to search (at full size where its text
    is small), its text's height there, and the scale; None on a page without ink."""
    inked, paper = ink_on_paper(gray, SCALE)
    text_height = _text_height(inked)
    if text_height is None:
        return None
    if text_height >= SMALL_TEXT:
        return inked, paper, text_height, SCALE
    # A screenshot's or a photo's small type: searched at full size.
    return *ink_on_paper(gray, 1.0), text_height / SCALE, 1.0


def _painted(image: Image.Image, gray: Image.Image, rules: np.ndarray, paper: np.ndarray):
    """Return the page in grey with the rules (as searched) painted the paper's shade."""
    mask, shade = (
        np.asarray(Image.fromarray(small).resize(gray.size, Image.Resampling.NEAREST))
        for small in (rules, paper.astype(np.uint8))
    )
    painted = Image.fromarray(np.where(mask > 0, shade, np.asarray(gray)))
    painted.info.update(image.info)  # its resolution, which Tesseract is told
    return painted


def _grown(rules: np.ndarray) -> np.ndarray:
    """Return the rules with MARGIN pixels around them: their blurred edges."""
    return ndimage.maximum_filter(rules.view(np.uint8), size=2 * MARGIN + 1).view(bool)


def _lines(rules: np.ndarray, bridge: int, axis: int) -> Numbered:
    """Return the rules along `axis` numbered (each pixel's rule, 0 for none), and each
    as a straight line with one of its pixels, in the same order."""
    bridged = ndimage.maximum_filter1d(rules.view(np.uint8), bridge, axis=axis)
    labels, _ = ndimage.label(bridged)
    labels[~rules] = 0
    lines = []
    for number, where in enumerate(ndimage.find_objects(labels), start=1):
        rows, columns = np.nonzero(labels[where] == number)
        rows, columns = rows + where[0].start, columns + where[1].start
        along, position = (columns, rows) if axis == 1 else (rows, columns)
        slope = np.polyfit(along, position, 1)[0] if np.ptp(along) else 0.0
        offset = float(np.mean(position - slope * along))
        rule = Rule(float(along.min()), float(along.max()), offset, float(slope))
        lines.append(Found(rule, (int(rows[0]), int(columns[0]))))
    return labels, lines


def _grids(
    rules: np.ndarray, across: list[Found], down: list[Found], scale: float, slack: float
) -> list[Grid]:
    """Return the grids the rules make: rules that touch, three across and three down at
    least (two rows of two cells), the outer ones closing it (within `slack` pixels, as
    searched), in the page's pixels."""
    touching, _ = ndimage.label(rules)
    grids, alone = [], []
    for number in range(1, touching.max() + 1):
        rows, columns = (
            sorted(
                (_in_page(rule, scale) for rule, pixel in lines if touching[pixel] == number),
                key=lambda rule: rule.middle,
            )
            for lines in (across, down)
        )
        grid = Grid(tuple(rows), tuple(columns))
        if len(rows) >= 3 and len(columns) >= 3 and grid.closed(slack / scale):
            grids.append(grid)
        elif not columns:
            alone += rows
    # Rules across apart from any down: a table ruled between its rows only.
    return grids + ruled_rows(alone, 2 * slack / scale)


def _in_page(rule: Rule, scale: float) -> Rule:
    """Return the rule, found on the page made `scale` times its size, in the page's pixels."""
    return Rule(rule.start / scale, rule.end / scale, rule.offset / scale, rule.slope)


def _text_height(inked: np.ndarray) -> float | None:
    """Return the median height of the pieces of ink (letters, or words run together), or
    None where there are none; pieces a tenth of the page tall or more are no text."""
    pieces = ndimage.find_objects(ndimage.label(inked)[0])
    heights = [rows.stop - rows.start for rows, _ in pieces]
    letters = [height for height in heights if 2 <= height < inked.shape[0] / 10]
    return float(np.median(letters)) if letters else None


def _rules(inked: np.ndarray, length: int, thickness: int, axis: int) -> np.ndarray:
    """Return the rules along `axis`: unbroken runs at least `length` long of ink no more
    than `thickness` pixels thick across them.

    Text cannot pass for a rule even where its letters run together (small, blurred type):
    its stems and bowls are thicker, and break the run at every letter.
    """
    thin = inked & ~_runs(inked, thickness + 1, 1 - axis)
    # A rule a little slanted (a photo's perspective) steps a pixel aside every so often:
    # the run is followed through a band a pixel wider on each side.
    widened = ndimage.maximum_filter1d(thin.view(np.uint8), 3, axis=1 - axis).view(bool)
    return _runs(widened, length, axis) & thin


def _runs(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Return the pixels of `mask` in unbroken runs along `axis` at least about `length` long
    (a morphological opening; the length made odd, centred on each pixel)."""
    length |= 1
    pixels = mask.view(np.uint8)
    # Set where the whole run centred on the pixel is set; then grown back by as much.
    eroded = ndimage.minimum_filter1d(pixels, length, axis=axis, mode="constant", cval=0)
    return ndimage.maximum_filter1d(eroded, length, axis=axis, mode="constant").view(bool)
