"""Tables that Tesseract cut into blocks side by side, a column or two each: put back
together, to be read row by row as the table is, not column by column.

A block of cells (lines of a few words) whose lines stand level with the lines of a block
to its left, three rows at least and half of its lines, is a column of the same table;
so is a block of cells within the table whose every line stands level with one of the
table's rows (a "Total due" that Tesseract kept apart). Two columns of prose side by
side are not: their lines are long.
"""

from collections.abc import Callable
from statistics import median

from tasks.pipeline.document import Block, Word
from tasks.pipeline.layout.words import group_lines

Keyed = tuple[tuple[int, int, int], Word]
CELL_WORDS = 3  # a line of a table's column has at most this many words
MIN_ROWS = 3  # lines of a column that must stand level with lines to their left
LEVEL = 0.5  # two lines stand level when their middles are within this many text heights


class _Lines:
    """A Tesseract block: where each of its lines stands, and where the block stands."""

    def __init__(self, words: list[Keyed]) -> None:
        by_line: dict[tuple[int, int, int], list[Word]] = {}
        for key, word in words:
            by_line.setdefault(key, []).append(word)
        self.lengths = [len(line) for line in by_line.values()]
        self.middles = [median(word.box.middle for word in line) for line in by_line.values()]
        self.left = min(word.box.left for _, word in words)
        self.right = max(word.box.right for _, word in words)
        self.top = min(word.box.top for _, word in words)
        self.bottom = max(word.box.bottom for _, word in words)

    def cells(self) -> bool:
        """Whether every line is short, as a table column's cells are."""
        return max(self.lengths) <= CELL_WORDS

    def level_with(self, middles: list[float], unit: float) -> int:
        """How many of these lines stand level with a line whose middle is in `middles`."""
        return sum(
            any(abs(middle - theirs) <= LEVEL * unit for theirs in middles)
            for middle in self.middles
        )

    def apart(self, other: "_Lines") -> bool:
        """Whether the two blocks stand side by side, apart."""
        return other.left >= self.right or other.right <= self.left


def table_groups(blocks: list[list[Keyed]]) -> list[list[list[Keyed]]]:
    """Group Tesseract's blocks (in its order) into tables; each group stands where its
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

    for left, beside in enumerate(lines):
        for right, column in enumerate(lines):
            if column.left >= beside.right and _column_of(column, beside, unit):
                table[find(right)] = find(left)
    tables = _tables(find, len(blocks))
    for index, block in enumerate(lines):
        if find(index) in tables:
            continue
        for root, members in tables.items():
            if _kept_apart(block, [lines[member] for member in members], unit):
                table[index] = root
                break
    groups: dict[int, list[list[Keyed]]] = {}
    for index, block in enumerate(blocks):
        groups.setdefault(find(index), []).append(block)
    return list(groups.values())


def table_block(group: list[list[Keyed]]) -> Block:
    """Return a table's words as one block, row by row, each row left to right."""
    return Block(tuple(group_lines([word for block in group for _, word in block])))


def _column_of(column: _Lines, beside: _Lines, unit: float) -> bool:
    """Whether `column` is cells whose rows stand level with `beside`'s lines."""
    if not column.cells() or len(column.middles) < MIN_ROWS:
        return False
    level = column.level_with(beside.middles, unit)
    return level >= MIN_ROWS and 2 * level >= len(column.middles)


def _tables(find: Callable[[int], int], count: int) -> dict[int, list[int]]:
    """Return each table of two blocks or more: its blocks' indexes, by its own."""
    members: dict[int, list[int]] = {}
    for index in range(count):
        members.setdefault(find(index), []).append(index)
    return {root: indexes for root, indexes in members.items() if len(indexes) > 1}


def _kept_apart(block: _Lines, table: list[_Lines], unit: float) -> bool:
    """Whether `block` is cells within the table's height, each line level with a line of
    a table block beside it."""
    top, bottom = min(part.top for part in table), max(part.bottom for part in table)
    if not block.cells() or block.top < top - unit or block.bottom > bottom + unit:
        return False
    rows = [middle for part in table if block.apart(part) for middle in part.middles]
    return block.level_with(rows, unit) == len(block.middles)
