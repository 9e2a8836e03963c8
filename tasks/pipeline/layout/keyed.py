"""An engine's own layout: fragments that carry their block, paragraph and line.

Tesseract's order is kept, with one correction: a block that a vertical gutter runs
right through (a menu beside a panel, a letterhead beside a contact block) is read as
columns, left to right, instead of line by line across the gutter. Not when it is rows
(a table's, a form's, an invoice's, a receipt's): half of its lines or more, three at
least (or each a label ending in ":"), run across the gutter; those are read row by row,
as Tesseract reads them. A table that Tesseract cut into blocks side by side, a column
or two each, is put back together and read row by row (`tables.py`). Blocks one after
another that one gutter splits into columns, each of them, with prose on both sides of
it (two columns Tesseract read across, a block every row or two), are read column by
column as one, not block by block. A block Tesseract read after a block that lies under
it and across it (a table across the page) is read before that block.
"""

from itertools import groupby
from statistics import median

from tasks.pipeline.document import Block, Box, Fragment, Line, Word
from tasks.pipeline.layout.tables import CELL_WORDS, Keyed, table_block, table_groups
from tasks.pipeline.layout.words import split_words
from tasks.pipeline.layout.xy_cut import GUTTER, gaps

# Lines across a gutter that make rows (a table, a receipt) without a label before it.
MIN_ROWS = 3
# Blocks of wrapped prose on both sides of a gutter that make two columns read across.
WRAPPED_BLOCKS = 3


def _columns(words: list[Keyed]) -> list[list[Keyed]]:
    """Split a block's words at the vertical gutters that run through all of it, unless
    the gutter runs between the cells of rows."""
    unit = median(word.box.height for _, word in words)
    lines = _lines(words)
    return _split_at(words, [cut for cut in _gutters(words, unit) if not _rows(lines, cut)])


def _split_at(words: list[Keyed], cuts: list[float]) -> list[list[Keyed]]:
    """Divide the words among the columns that the vertical cuts part, left to right."""
    columns: list[list[Keyed]] = [[] for _ in range(len(cuts) + 1)]
    for key, word in words:
        columns[sum(word.box.left > cut for cut in cuts)].append((key, word))
    return [column for column in columns if column]


def _gutters(words: list[Keyed], unit: float) -> list[float]:
    """Return the middles of the vertical gutters that run through all of the words."""
    return gaps([(word.box.left, word.box.right) for _, word in words], GUTTER * unit)


def _lines(words: list[Keyed]) -> list[list[Word]]:
    """Return the words of each line, in their order."""
    return [[word for _, word in line] for _, line in groupby(words, key=lambda k: k[0])]


def _rows(lines: list[list[Word]], cut: float) -> bool:
    """Whether a vertical cut runs between the cells of rows: half of the lines or more run
    across it (few of a menu beside a panel), and they are MIN_ROWS or more (a table's, a
    receipt's) or each has a label before it (a form's: a word ending in ":"). Two lines
    across a gutter and nothing more are as likely two short columns side by side."""
    across = [line for line in lines if _across(line, cut)]
    if 2 * len(across) < len(lines):
        return False
    return len(across) >= MIN_ROWS or all(_label(line, cut).endswith(":") for line in across)


def _label(line: list[Word], cut: float) -> str:
    """The last word of a line before a vertical cut."""
    return [word.text for word in line if word.box.left < cut][-1]


def _across(line: list[Word], cut: float) -> bool:
    """Whether a line has words on both sides of a vertical cut."""
    return min(_sides(line, cut)) > 0


def _sides(line: list[Word], cut: float) -> tuple[int, int]:
    """Return how many words of a line start before a vertical cut, and how many after."""
    before = sum(word.box.left < cut for word in line)
    return before, sum(word.box.left > cut for word in line)


def _paragraphs(words: list[Keyed]) -> list[Block]:
    """Group keyed words into paragraphs and lines, in their order."""
    blocks = []
    for _, in_paragraph in groupby(words, key=lambda keyed: keyed[0][:2]):
        lines = [
            Line(tuple(word for _, word in in_line))
            for _, in_line in groupby(in_paragraph, key=lambda keyed: keyed[0])
        ]
        blocks.append(Block(tuple(lines)))
    return blocks


def keyed_blocks(fragments: list[Fragment]) -> list[Block]:
    """Group fragments into paragraphs and lines by their keys, in the engine's order; a
    table the engine cut into blocks side by side is read row by row."""
    words = [(f.line_key, word) for f in fragments for word in split_words(f)]
    in_blocks = [list(in_block) for _, in_block in groupby(words, key=lambda k: k[0][0])]
    blocks = []
    for group in _split_together(table_groups(in_blocks)):
        if len(group) > 1:
            blocks.append(table_block(group))
            continue
        for column in _columns(group[0]):
            blocks += _paragraphs(column)
    return _above_first(blocks)


def _above_first(blocks: list[Block]) -> list[Block]:
    """Move each block read after a block that lies under it, across it, to just before
    the first such block: Tesseract reads a statement's header blocks at the right after
    the table under them."""
    ordered: list[Block] = []
    for block in blocks:
        box = block.box
        under = next((i for i, other in enumerate(ordered) if _under(other.box, box)), None)
        ordered.insert(len(ordered) if under is None else under, block)
    return ordered


def _under(lower: Box, upper: Box) -> bool:
    """Whether `lower` lies wholly below `upper` and across half of it or more."""
    across = min(lower.right, upper.right) - max(lower.left, upper.left)
    return lower.top >= upper.bottom and across >= 0.5 * min(lower.width, upper.width)


def _split_together(groups: list[list[list[Keyed]]]) -> list[list[list[Keyed]]]:
    """Read blocks one after another that one gutter splits into columns, each of them,
    column by column as one: a page's two columns of prose that Tesseract read across, a
    block every row or two (a photographed menu), are not read block by block, woven."""
    runs: list[list[list[list[Keyed]]]] = []
    for group in groups:
        alone = len(group) == 1 and runs and len(runs[-1][-1]) == 1
        if alone and _shared_gutters([*(g[0] for g in runs[-1]), group[0]]):
            runs[-1].append(group)
        else:
            runs.append([group])
    split = []
    for run in runs:
        blocks = [group[0] for group in run]
        cuts = _shared_gutters(blocks) if len(run) > 1 else []
        words = [keyed for block in blocks for keyed in block]
        if cuts and _read_across(blocks, cuts):
            split += [[column] for column in _split_at(words, cuts)]
        else:
            split += run
    return split


def _shared_gutters(blocks: list[list[Keyed]]) -> list[float]:
    """Return the gutters that run through all the blocks and split each into columns
    (some line of each runs across it, and its lines are no rows)."""
    words = [keyed for block in blocks for keyed in block]
    unit = median(word.box.height for _, word in words)
    in_lines = [_lines(block) for block in blocks]
    return [
        cut
        for cut in _gutters(words, unit)
        if all(any(_across(line, cut) for line in lines) for lines in in_lines)
        and not any(_rows(lines, cut) for lines in in_lines)
    ]


def _read_across(blocks: list[list[Keyed]], cuts: list[float]) -> bool:
    """Whether blocks a gutter splits alike are two columns of prose read across: three of
    them or more hold wrapped prose on both sides of it (two lines or more, one of them
    with more words than a table's cell on each side), and none is a single line of prose
    on both sides (a table's row of sentences, a question beside its answer)."""
    wrapped = 0
    for block in blocks:
        lines = _lines(block)
        prose = any(_long_both_sides(line, cut) for line in lines for cut in cuts)
        if prose and len(lines) == 1:
            return False
        wrapped += prose
    return wrapped >= WRAPPED_BLOCKS


def _long_both_sides(line: list[Word], cut: float) -> bool:
    """Whether the line has more words than a table's cell on each side of the cut."""
    return min(_sides(line, cut)) > CELL_WORDS
