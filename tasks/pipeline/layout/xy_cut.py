"""A recursive XY-cut, for words that come without a layout (no Tesseract to guide them).

A region is split into columns where a vertical gutter runs through all of it, else into
paragraphs where a horizontal gap is wider than line spacing; what cannot be split is a
paragraph, whose lines are read top to bottom, words left to right.
"""

from statistics import median

from tasks.pipeline.document import Block, Word
from tasks.pipeline.layout.words import group_lines

# In units of the median text height on the page.
GUTTER = 1.5  # a vertical gap at least this wide separates columns
PARAGRAPH_GAP = 1.0  # a horizontal gap at least this tall separates paragraphs


def gaps(intervals: list[tuple[int, int]], minimum: float) -> list[float]:
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
    columns = gaps([(w.box.left, w.box.right) for w in words], GUTTER * unit)
    if columns:
        groups = _split(words, columns, lambda w: w.box.centre)
    else:
        rows = gaps([(w.box.top, w.box.bottom) for w in words], PARAGRAPH_GAP * unit)
        if not rows:
            return [words]
        groups = _split(words, rows, lambda w: w.box.middle)
    return [region for group in groups for region in _regions(group, unit)]


def xy_cut_blocks(words: list[Word]) -> list[Block]:
    """Return the words as paragraphs in reading order."""
    if not words:
        return []
    unit = median(word.box.height for word in words)
    return [Block(tuple(group_lines(region))) for region in _regions(words, unit)]
