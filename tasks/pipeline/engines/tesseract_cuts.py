"""Words Tesseract's layout cut apart, let go to be read again as the lines they are.

A receipt's column of prices, each "1.45" in a typewriter face, is where Tesseract's layout
goes wrong: it takes the column of leading digits for a line of vertical text ("ANNE",
530 pixels tall) and reads the rest of each price without it (".45", "-45"), or cuts each
price at its point into two blocks a few pixels apart ("1" and ".45"). The words so cut
are let go here (a figure cut in two with the rest of both lines, so that no word kept
beside them hides their ink); their ink is then no word's, and is read again line by line
with the rest of what Tesseract passed over (see tesseract_unread.py): "1.45". A word let
go, read confidently, where nothing is found again is put back; the lines read down are
dropped for good.
"""

import bisect
from statistics import fmean, median
from typing import NamedTuple

from tasks.pipeline.document import Box, Fragment, enclosing
from tasks.pipeline.layout.words import on_one_line

# A line read down: the box around its words at least this many text heights tall and
# taller than wide by half, its words read with less confidence than this (the receipt's
# 0.05 to 0.45; a word turned on its side and read well, down a margin, 0.9).
DOWN_HEIGHT = 2.0
DOWN_SHAPE = 1.5
DOWN_CONFIDENCE = 0.6
TOUCH = 0.5  # text heights across: a word this close to a line read down was cut from it
# A digit and a word of another block, level, closer across than this many text heights,
# are a figure cut in two (a column's gutter is 1.5 wide at least: xy_cut.GUTTER).
CUT_GAP = 1.2
# A word let go and read this confidently or more is put back where nothing is found again
# (a paragraph's lines beside a tall initial); a figure cut in two reads 0.0 to 0.7.
PUT_BACK = 0.8


class Cut(NamedTuple):
    """A page's words: those kept, and those let go to be read again."""

    kept: list[Fragment]
    let_go: list[Fragment]


def cut_apart(fragments: list[Fragment]) -> Cut:
    """Return Tesseract's words (keyed by line) less those its layout cut apart: lines
    that run across the page but were read down it (dropped), every word they cross or
    touch, and the lines of a digit and a word of another block closer to it than a gutter
    (let go)."""
    words = [fragment for fragment in fragments if fragment.text]
    if not words:
        return Cut(fragments, [])
    unit = median(word.box.height for word in words)
    down = _read_down(words, unit)
    reach = TOUCH * unit
    lines_down = {line for line, _ in down}
    crossed = {id(word) for word in words if any(_near(word.box, box, reach) for _, box in down)}
    cut = _figures_cut(words, unit)
    kept, let_go = [], []
    for fragment in fragments:
        if id(fragment) in crossed or fragment.line_key in cut:
            if fragment.line_key not in lines_down:
                let_go.append(fragment)
        else:
            kept.append(fragment)
    return Cut(kept, let_go)


def put_back(read: list[Fragment], cut: Cut, found: list[Fragment]) -> list[Fragment]:
    """Return the words read, in Tesseract's order, that were kept, or let go, read
    confidently and not found again: no word found again overlaps them."""
    let_go = {id(fragment) for fragment in cut.let_go}
    kept = {id(fragment) for fragment in cut.kept}
    return [
        fragment
        for fragment in read
        if id(fragment) in kept or (id(fragment) in let_go and _not_found(fragment, found))
    ]


def _not_found(fragment: Fragment, found: list[Fragment]) -> bool:
    """Whether a word let go was read confidently and no word found again overlaps it."""
    return fragment.confidence >= PUT_BACK and not any(
        _near(fragment.box, again.box, 0) for again in found
    )


def _read_down(words: list[Fragment], unit: float) -> list[tuple[tuple, Box]]:
    """Return the lines read down (by key) and their boxes: tall, narrow and read unsure."""
    lines: dict[tuple[int, int, int], list[Fragment]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    down = []
    for key, line in lines.items():
        box = enclosing(word.box for word in line)
        if (
            box.height >= DOWN_HEIGHT * unit
            and box.height > DOWN_SHAPE * box.width
            and fmean(word.confidence for word in line) < DOWN_CONFIDENCE
        ):
            down.append((key, box))
    return down


def _figures_cut(words: list[Fragment], unit: float) -> set[tuple[int, int, int]]:
    """Return the lines (by key) of a digit and the word of another block just after it on
    its line, closer than a gutter: a figure cut at its point ("1" and ".45")."""
    by_left = sorted(words, key=lambda word: word.box.left)
    lefts = [word.box.left for word in by_left]
    cut = set()
    for digit in (word for word in words if len(word.text) == 1 and word.text.isdigit()):
        start = bisect.bisect_left(lefts, digit.box.right - unit / 3)
        end = bisect.bisect_left(lefts, digit.box.right + CUT_GAP * unit)
        for after in by_left[start:end]:
            if after.line_key[0] != digit.line_key[0] and on_one_line(digit.box, after.box):
                cut |= {digit.line_key, after.line_key}
    return cut


def _near(word: Box, other: Box, reach: float) -> bool:
    """Whether a word overlaps another box, or stands within `reach` of it across."""
    return (
        word.left < other.right + reach
        and other.left - reach < word.right
        and word.top < other.bottom
        and other.top < word.bottom
    )
