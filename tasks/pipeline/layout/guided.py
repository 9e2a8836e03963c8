"""Words of one engine placed into the lines of another's layout (EasyOCR's into Tesseract's).

EasyOCR finds text boxes but no columns or paragraphs; Tesseract's page analysis finds
those well on scans. Each word goes to the layout line it overlaps most; words that no
line holds (text Tesseract missed) are laid out by XY-cut and put where they stand.
"""

from dataclasses import dataclass
from statistics import linear_regression, median

from tasks.pipeline.document import Block, Box, Line, Page, Word
from tasks.pipeline.layout.words import without_repeats
from tasks.pipeline.layout.xy_cut import xy_cut_blocks

# Below this share of words inside the guide's lines, the guide is not this page's layout.
MIN_COVERAGE = 0.5
# A word this close past a line's end (in word heights) still belongs to it.
REACH = 1.0
# Lines of fewer words do not say how far the page is tilted.
MIN_WORDS_FOR_SLOPE = 4


@dataclass(frozen=True)
class GuideLine:
    """A line of the guide: its box, and where its middle runs across it (a tilted scan's
    lines slope, and their upright boxes overlap)."""

    box: Box
    middle: float  # at the box's left edge
    slope: float

    def middle_at(self, x: float) -> float:
        """Where the line's middle runs at `x`."""
        return self.middle + self.slope * (x - self.box.left)


@dataclass(frozen=True)
class Guide:
    """A page layout to follow: each paragraph as its lines, in reading order."""

    paragraphs: tuple[tuple[GuideLine, ...], ...]

    @classmethod
    def from_page(cls, page: Page) -> "Guide":
        """Take the layout of a page read by an engine that lays pages out."""
        slope = page_slope(page.lines)
        return cls(
            tuple(tuple(_guide_line(line, slope) for line in block.lines) for block in page.blocks)
        )


def page_slope(lines: list[Line]) -> float:
    """How far the page's lines fall per pixel across: the median over its longer lines (a
    few words give no slope worth having)."""
    slopes = [
        linear_regression(centres, [word.box.middle for word in line.words]).slope
        for line in lines
        if len(line.words) >= MIN_WORDS_FOR_SLOPE
        and len(set(centres := [word.box.centre for word in line.words])) > 1
    ]
    return median(slopes) if slopes else 0.0


def _guide_line(line: Line, slope: float) -> GuideLine:
    left = line.box.left
    middle = median(word.box.middle - slope * (word.box.centre - left) for word in line.words)
    return GuideLine(line.box, middle, slope)


def _distance(word: Box, line: GuideLine) -> float:
    """Return how far `word` lies from `line`, in word heights; inf if apart.

    Across the page: the more of the word inside the line's box, the nearer. Then down it:
    how far the word's middle lies from where the line runs, so that a word inside the
    boxes of two lines of a tilted scan goes to the line it sits on, not to the later one.
    """
    box, middle = line.box, word.middle
    if not box.top <= middle <= box.bottom:
        return float("inf")
    overlap = min(word.right, box.right) - max(word.left, box.left)
    across = -overlap / max(word.width if overlap > 0 else word.height, 1)
    if across > REACH:
        return float("inf")
    return across + abs(middle - line.middle_at(word.centre)) / max(word.height, 1)


def _nearest_line(word: Word, lines: list[tuple[int, int, GuideLine]]) -> tuple[int, int] | None:
    """Return the (paragraph, line) whose box holds `word` nearest its middle, or None."""
    best, best_distance = None, float("inf")
    for paragraph, number, line in lines:
        distance = _distance(word.box, line)
        if distance < best_distance:
            best, best_distance = (paragraph, number), distance
    return best


def _insert_by_position(blocks: list[Block], extra: Block) -> None:
    """Put `extra` before the first block below it in the same column, else at the end."""
    box = extra.box
    for index, block in enumerate(blocks):
        other = block.box
        if other.top >= box.top and min(other.right, box.right) > max(other.left, box.left):
            blocks.insert(index, extra)
            return
    blocks.append(extra)


def place_words(words: list[Word], guide: Guide) -> list[Block] | None:
    """Lay `words` out in the guide's paragraphs and lines; None if it does not fit them."""
    lines = [
        (paragraph, number, line)
        for paragraph, guide_lines in enumerate(guide.paragraphs)
        for number, line in enumerate(guide_lines)
    ]
    placed: dict[tuple[int, int], list[Word]] = {}
    unplaced = []
    for word in words:
        key = _nearest_line(word, lines)
        if key is None:
            unplaced.append(word)
        else:
            placed.setdefault(key, []).append(word)
    if not words or len(unplaced) > (1 - MIN_COVERAGE) * len(words):
        return None
    blocks = []
    for paragraph, guide_lines in enumerate(guide.paragraphs):
        block_lines = [
            Line(without_repeats(placed[paragraph, number]))
            for number in range(len(guide_lines))
            if (paragraph, number) in placed
        ]
        if block_lines:
            blocks.append(Block(tuple(block_lines)))
    for extra in xy_cut_blocks(unplaced):
        _insert_by_position(blocks, extra)
    return blocks
