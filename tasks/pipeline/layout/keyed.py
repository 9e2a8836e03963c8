"""An engine's own layout: fragments that carry their block, paragraph and line.

Tesseract's order is kept, with one correction: a block that a vertical gutter runs
right through (a menu beside a panel, a letterhead beside a contact block) is read as
columns, left to right, instead of line by line across the gutter. Not when it is rows
(a table's, a form's, an invoice's, a receipt's): half of its lines or more, three at
least (or each a label ending in ":"), run across the gutter; those are read row by row,
as Tesseract reads them. A table that Tesseract cut into blocks side by side, a column
or two each, is put back together and read row by row (`tables.py`).
"""

from itertools import groupby
from statistics import median

from tasks.pipeline.document import Block, Fragment, Line, Word
from tasks.pipeline.layout.tables import Keyed, table_block, table_groups
from tasks.pipeline.layout.words import split_words
from tasks.pipeline.layout.xy_cut import GUTTER, gaps

# Lines across a gutter that make rows (a table, a receipt) without a label before it.
MIN_ROWS = 3


def _columns(words: list[Keyed]) -> list[list[Keyed]]:
    """Split a block's words at the vertical gutters that run through all of it, unless
    the gutter runs between the cells of rows."""
    unit = median(word.box.height for _, word in words)
    cuts = gaps([(word.box.left, word.box.right) for _, word in words], GUTTER * unit)
    lines = [[word for _, word in line] for _, line in groupby(words, key=lambda k: k[0])]
    cuts = [cut for cut in cuts if not _rows(lines, cut)]
    columns: list[list[Keyed]] = [[] for _ in range(len(cuts) + 1)]
    for key, word in words:
        columns[sum(word.box.left > cut for cut in cuts)].append((key, word))
    return [column for column in columns if column]


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
    return any(word.box.left > cut for word in line) and any(word.box.left < cut for word in line)


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
    for group in table_groups(in_blocks):
        if len(group) > 1:
            blocks.append(table_block(group))
            continue
        for column in _columns(group[0]):
            blocks += _paragraphs(column)
    return blocks
