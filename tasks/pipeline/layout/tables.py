"""Tables that Tesseract cut into blocks side by side, a column or two each: put back
together, to be read row by row as the table is, not column by column.

A block of figures (three lines or more of a few words each, most of them beginning with
a number: quantities, prices, dates) whose lines stand level with the lines of the
nearest such block to its left, three rows at least and half of its lines, is a column
of that block's table. A list of words beside a paragraph, a letterhead beside a contact
block, a form's values beside their labels are not figures, and stay as Tesseract read
them. A block of cells that lies within a table, across and down, each of its lines
level with one of the table's rows, joins it too (a "Total due" that Tesseract kept apart).
"""

import bisect
import re
from statistics import median

from tasks.pipeline.document import Block, Word
from tasks.pipeline.layout.words import group_lines

Keyed = tuple[tuple[int, int, int], Word]
CELL_WORDS = 3  # a line of a table's column has at most this many words
MIN_ROWS = 3  # lines of a column that must stand level with lines to their left
LEVEL = 0.5  # two lines stand level when their middles are within this many text heights
# A figure: a line that begins with a number, after a sign, a bracket or a currency.
FIGURE = re.compile(r"[-+\u2212(]?[$€£¥]?\d")  # \u2212: the minus sign


class _Lines:
    """A Tesseract block: where each of its lines stands, and where the block stands."""

    def __init__(self, words: list[Keyed]) -> None:
        by_line: dict[tuple[int, int, int], list[Word]] = {}
        for key, word in words:
            by_line.setdefault(key, []).append(word)
        self.lines = list(by_line.values())
        self.middles = sorted(median(word.box.middle for word in line) for line in self.lines)
        self.left = min(word.box.left for _, word in words)
        self.right = max(word.box.right for _, word in words)
        self.top = min(word.box.top for _, word in words)
        self.bottom = max(word.box.bottom for _, word in words)

    def cells(self) -> bool:
        """Whether every line is short, as a table column's cells are."""
        return max(len(line) for line in self.lines) <= CELL_WORDS

    def figures(self) -> bool:
        """Whether most lines are figures, as a table's columns of numbers are."""
        return 2 * sum(bool(FIGURE.match(line[0].text)) for line in self.lines) > len(self.lines)

    def level_with(self, middles: list[float], unit: float) -> int:
        """How many of these lines stand level with a line whose middle is in `middles`
        (sorted)."""
        return sum(_has_near(middles, middle, LEVEL * unit) for middle in self.middles)


def table_groups(blocks: list[list[Keyed]]) -> list[list[list[Keyed]]]:
    """Group Tesseract's blocks (in its order) into tables; a table stands where its
    first block stood, and a block in no table is a group of its own."""
    if len(blocks) < 2:
        return [[block] for block in blocks]
    unit = median(word.box.height for block in blocks for _, word in block)
    lines = [_Lines(block) for block in blocks]
    table = list(range(len(blocks)))  # each block's table: the index of one of its blocks

    def find(index: int) -> int:
        while table[index] != index:
            index = table[index]
        return index

    for index, column in enumerate(lines):
        if (beside := _beside(column, lines, unit)) is not None:
            table[find(index)] = find(beside)
    tables = {
        root: (parts := [lines[m] for m in members], _extent(parts))
        for root, members in _tables(lines, find).items()
        if len(members) > 1
    }
    for index, block in enumerate(lines):
        if find(index) in tables or not block.cells():
            continue
        for root, (parts, extent) in tables.items():
            if _kept_apart(block, parts, extent, unit):
                table[index] = root
                break
    return [[blocks[m] for m in members] for members in _tables(lines, find).values()]


def table_block(group: list[list[Keyed]]) -> Block:
    """Return a table's words as one block, row by row, each row left to right."""
    return Block(tuple(group_lines([word for block in group for _, word in block])))


def _beside(column: _Lines, lines: list[_Lines], unit: float) -> int | None:
    """Return the index of the nearest block left of `column` whose lines its figures
    stand level with; None if there is none, or `column` is no table's column."""
    if len(column.middles) < MIN_ROWS or not column.cells() or not column.figures():
        return None
    level = [
        (beside.right, index)
        for index, beside in enumerate(lines)
        if beside.right <= column.left
        and beside.bottom >= column.top
        and beside.top <= column.bottom
        and column.level_with(beside.middles, unit) >= max(MIN_ROWS, len(column.middles) / 2)
    ]
    return max(level)[1] if level else None


def _tables(lines: list[_Lines], find) -> dict[int, list[int]]:
    """Return each table's blocks' indexes, by the index of one of them."""
    members: dict[int, list[int]] = {}
    for index in range(len(lines)):
        members.setdefault(find(index), []).append(index)
    return members


def _extent(table: list[_Lines]) -> tuple[int, int, int, int]:
    """Return a table's left, right, top and bottom."""
    left, right = min(part.left for part in table), max(part.right for part in table)
    return left, right, min(part.top for part in table), max(part.bottom for part in table)


def _kept_apart(
    block: _Lines, table: list[_Lines], extent: tuple[int, int, int, int], unit: float
) -> bool:
    """Whether `block` lies within the table (of `extent`), across and down, each of its
    lines level with a line of a table block beside it."""
    left, right, top, bottom = extent
    if block.left < left - unit or block.right > right + unit:
        return False
    if block.top < top - unit or block.bottom > bottom + unit:
        return False
    beside = [part for part in table if part.left >= block.right or part.right <= block.left]
    rows = sorted(middle for part in beside for middle in part.middles)
    return block.level_with(rows, unit) == len(block.middles)


def _has_near(sorted_values: list[float], value: float, reach: float) -> bool:
    """Whether a value in `sorted_values` is within `reach` of `value`."""
    position = bisect.bisect_left(sorted_values, value - reach)
    return position < len(sorted_values) and sorted_values[position] <= value + reach
