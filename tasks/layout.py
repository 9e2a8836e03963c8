"""Reading order for every engine: columns, then paragraphs, then lines, then words.

A recursive XY-cut: a region is split into columns where a vertical gutter runs through
all of it, else into paragraphs where a horizontal gap is wider than line spacing; what
cannot be split is a paragraph, whose lines are read top to bottom, words left to right.
"""

import re
from statistics import median

from tasks.document import Block, Box, Fragment, Line, Page, Word

# In units of the median text height on the page.
GUTTER = 1.5  # a vertical gap at least this wide separates columns
PARAGRAPH_GAP = 1.0  # a horizontal gap at least this tall separates paragraphs


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def split_words(fragment: Fragment) -> list[Word]:
    """Split a fragment into words, giving each a share of the box by its length."""
    parts = CONTROL_CHARACTERS.sub("", fragment.text).split()
    if not parts:
        return []
    box, total = fragment.box, len(" ".join(parts))
    words, offset = [], 0
    for part in parts:
        left = box.left + box.width * offset // total
        right = box.left + box.width * (offset + len(part)) // total
        words.append(
            Word(part, round(fragment.confidence, 4), Box(left, box.top, right, box.bottom))
        )
        offset += len(part) + 1
    return words


def _gaps(intervals: list[tuple[int, int]], minimum: float) -> list[float]:
    """Return the middle of each gap of at least `minimum` between merged intervals."""
    cuts, reach = [], None
    for start, end in sorted(intervals):
        if reach is not None and start - reach >= minimum:
            cuts.append((reach + start) / 2)
        reach = end if reach is None else max(reach, end)
    return cuts


def _split(items: list[Word], cuts: list[float], key) -> list[list[Word]]:
    """Divide `items` at the `cuts` along `key` (a word's middle)."""
    groups: list[list[Word]] = [[] for _ in range(len(cuts) + 1)]
    for item in items:
        groups[sum(key(item) > cut for cut in cuts)].append(item)
    return [group for group in groups if group]


def _regions(words: list[Word], unit: float) -> list[list[Word]]:
    """Cut `words` into paragraphs in reading order."""
    columns = _gaps([(w.box.left, w.box.right) for w in words], GUTTER * unit)
    if columns:
        groups = _split(words, columns, lambda w: (w.box.left + w.box.right) / 2)
    else:
        rows = _gaps([(w.box.top, w.box.bottom) for w in words], PARAGRAPH_GAP * unit)
        if not rows:
            return [words]
        groups = _split(words, rows, lambda w: w.box.middle)
    return [region for group in groups for region in _regions(group, unit)]


def _lines(words: list[Word]) -> list[Line]:
    """Group a paragraph's words into lines: a word joins a line its middle falls within."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.box.middle, w.box.left)):
        line = lines[-1] if lines else None
        if line and min(w.box.top for w in line) <= word.box.middle <= max(
            w.box.bottom for w in line
        ):
            line.append(word)
        else:
            lines.append([word])
    return [Line(tuple(sorted(line, key=lambda w: w.box.left))) for line in lines]


def build_page(fragments: list[Fragment], number: int, width: int, height: int, **details) -> Page:
    """Lay out an engine's fragments as a page read in order."""
    words = [word for fragment in fragments for word in split_words(fragment)]
    if not words:
        return Page(number, width, height, **details)
    unit = median(word.box.height for word in words)
    blocks = [Block(tuple(_lines(region))) for region in _regions(words, unit)]
    return Page(number, width, height, blocks=blocks, **details)
