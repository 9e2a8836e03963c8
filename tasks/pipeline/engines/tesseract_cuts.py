"""Words Tesseract's layout cut apart, let go to be read again as the lines they are.

A receipt's column of prices, each "1.45" in a typewriter face, is where Tesseract's layout
goes wrong: it takes the column of leading digits for a line of vertical text ("ANNE",
530 pixels tall) and reads the rest of each price without it (".45", "-45"), or cuts each
price at its point into two blocks a few pixels apart ("1" and ".45"). The words so cut
are dropped here (a figure cut in two with the rest of both lines, so that no word kept
beside them hides their ink); their ink is then no word's, and is read again line by line
with the rest of what Tesseract passed over (see tesseract_unread.py): "1.45".
"""

import bisect
from statistics import fmean, median

from tasks.pipeline.document import Box, Fragment, enclosing

# A line read down: its words stand at least this many text heights tall, taller than
# wide by half, and are read with less confidence than this (the receipt's 0.05 to 0.45;
# a word turned on its side and read well, down a margin, 0.9).
DOWN_HEIGHT = 2.0
DOWN_SHAPE = 1.5
DOWN_CONFIDENCE = 0.6
TOUCH = 0.5  # text heights across: a word this close to a line read down was cut from it
# A digit and a word of another block, level, closer across than this many text heights,
# are a figure cut in two (a column's gutter is 1.5 wide at least: xy_cut.GUTTER).
CUT_GAP = 1.2
LEVEL = 0.5  # of the shorter word's height that two words on one line share


def released(fragments: list[Fragment]) -> list[Fragment]:
    """Return the words without those that Tesseract's layout cut apart: lines read
    down a page read across, with every word they cross or touch, and the lines of a digit
    and a word of another block closer to it than a gutter."""
    words = [fragment for fragment in fragments if fragment.text]
    if not words:
        return fragments
    unit = median(word.box.height for word in words)
    down = _read_down(words, unit)
    reach = TOUCH * unit
    crossed = {id(word) for word in words if any(_near(word.box, box, reach) for box in down)}
    cut = _figures_cut(words, unit)
    return [
        fragment
        for fragment in fragments
        if id(fragment) not in crossed and fragment.line_key not in cut
    ]


def _read_down(words: list[Fragment], unit: float) -> list[Box]:
    """Return the boxes of the lines read down: tall, narrow and read unsure."""
    lines: dict[tuple[int, int, int], list[Fragment]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    boxes = []
    for line in lines.values():
        box = enclosing(word.box for word in line)
        if (
            box.height >= DOWN_HEIGHT * unit
            and box.height > DOWN_SHAPE * box.width
            and fmean(word.confidence for word in line) < DOWN_CONFIDENCE
        ):
            boxes.append(box)
    return boxes


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
            if after.line_key[0] != digit.line_key[0] and _level(digit.box, after.box):
                cut |= {digit.line_key, after.line_key}
    return cut


def _level(one: Box, other: Box) -> bool:
    """Whether two words stand on one line: they share half the shorter one's height."""
    shared = min(one.bottom, other.bottom) - max(one.top, other.top)
    return shared > LEVEL * min(one.height, other.height)


def _near(word: Box, block: Box, reach: float) -> bool:
    """Whether a word overlaps a block, or stands within `reach` of it across."""
    return (
        word.left < block.right + reach
        and block.left - reach < word.right
        and word.top < block.bottom
        and block.top < word.bottom
    )
