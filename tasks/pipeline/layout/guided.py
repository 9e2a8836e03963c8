"""Words of one engine placed into the lines of another's layout (EasyOCR's into Tesseract's).

EasyOCR finds text boxes but no columns or paragraphs; Tesseract's page analysis finds
those well on scans. Each word goes to the layout line it overlaps most; words that no
line holds (text Tesseract missed) are laid out by XY-cut and put where they stand.
"""

from dataclasses import dataclass

from tasks.pipeline.document import Block, Box, Line, Page, Word
from tasks.pipeline.layout.words import without_repeats
from tasks.pipeline.layout.xy_cut import xy_cut_blocks

# Below this share of words inside the guide's lines, the guide is not this page's layout.
MIN_COVERAGE = 0.5
# A word this close past a line's end (in word heights) still belongs to it.
REACH = 1.0


@dataclass(frozen=True)
class Guide:
    """A page layout to follow: each paragraph as the boxes of its lines, in reading order."""

    paragraphs: tuple[tuple[Box, ...], ...]

    @classmethod
    def from_page(cls, page: Page) -> "Guide":
        """Take the layout of a page read by an engine that lays pages out."""
        return cls(tuple(tuple(line.box for line in block.lines) for block in page.blocks))


def _distance(word: Box, line: Box) -> float:
    """Return how far `word` lies from `line` across the page, in word heights; inf if apart."""
    middle = word.middle
    if not line.top <= middle <= line.bottom:
        return float("inf")
    overlap = min(word.right, line.right) - max(word.left, line.left)
    if overlap > 0:
        return -overlap / max(word.width, 1)  # the more of the word inside, the nearer
    return -overlap / max(word.height, 1)


def _nearest_line(word: Word, lines: list[tuple[int, int, Box]]) -> tuple[int, int] | None:
    """Return the (paragraph, line) whose box holds `word`, or None."""
    best, best_distance = None, REACH
    for paragraph, number, box in lines:
        distance = _distance(word.box, box)
        if distance <= best_distance:
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
        (paragraph, number, box)
        for paragraph, boxes in enumerate(guide.paragraphs)
        for number, box in enumerate(boxes)
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
    for paragraph, boxes in enumerate(guide.paragraphs):
        block_lines = [
            Line(without_repeats(placed[paragraph, number]))
            for number in range(len(boxes))
            if (paragraph, number) in placed
        ]
        if block_lines:
            blocks.append(Block(tuple(block_lines)))
    for extra in xy_cut_blocks(unplaced):
        _insert_by_position(blocks, extra)
    return blocks
