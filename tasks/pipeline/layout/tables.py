"""Tables that Tesseract cut into blocks side by side, a column or two each: put back
together, to be read row by row as the table is, not column by column.

A block is a column of the table of the nearest block to its left when:
- its lines are figures (three or more of a few words each, most beginning with a number:
  quantities, prices, dates; or a code of a capital letter or two alone: a receipt's tax
  bands), three rows at least and half of them level with that block's
  lines, whatever that block is (items, descriptions);
- or its lines are short cells of words (names, places, a form's values), and so are that
  block's, the two stand level row for row (five rows at least, three quarters of each
  block's lines), and the table shows itself: that block's rows already hold two cells
  or more across a gutter (Tesseract found part of the table), or one of the two was
  found again after Tesseract's layout passed it over and the other read (a form's labels
  beside its values). Two blocks of one column each are otherwise Tesseract's judgement
  of two columns, and stay so: two lists side by side (a menu's starters and mains,
  ingredients beside a method), an address beside a letter's references.
A block of cells that lies within a table, across and down, each of its lines level with
one of the table's rows, joins it too (a "Total due" that Tesseract kept apart), and so
does a column of figures left of a table, level with it (a statement's dates).
A column that Tesseract cut into blocks one under another, where a cell wraps to a
second line and spaces the rows unevenly, is taken as one column.
"""

import bisect
import re
from dataclasses import replace
from itertools import pairwise
from statistics import median

from tasks.pipeline.document import Block, Line, Word
from tasks.pipeline.layout.words import group_lines
from tasks.pipeline.layout.xy_cut import GUTTER

Keyed = tuple[tuple[int, int, int], Word]
CELL_WORDS = 3  # a line of a table's column of figures has at most this many words
MIN_ROWS = 3  # lines of a column of figures that must stand level with lines to their left
WORD_ROWS = 5  # rows two columns of words must share: fewer are as likely an address
LEVEL_SHARE = 0.75  # of each column of words' lines that must stand level with the other's
LEVEL = 0.5  # two lines stand level when their middles are within this many text heights
# Text heights between two blocks one under another in one column that are one column
# of a table cut in two (rows spaced a wrapped cell's line apart: 2.9).
RUN_GAP = 4.0
SHIFT = 0.25  # of the line spacing: two columns' rows may stand this far apart (a photo's tilt)
# A figure: a line that begins with a number, after a sign, a bracket or a currency; or a
# code of a capital letter or two alone on its line (a receipt's tax band: "A", "B").
FIGURE = re.compile(r"[-+\u2212(]?[$€£¥]?\d")  # \u2212: the minus sign
CODE = re.compile(r"[A-Z]{1,2}")


class _Lines:
    """A Tesseract block: where each of its lines stands, and where the block stands."""

    def __init__(self, words: list[Keyed], unit: float) -> None:
        by_line: dict[tuple[int, int, int], list[Word]] = {}
        for key, word in words:
            by_line.setdefault(key, []).append(word)
        self.lines = list(by_line.values())
        cells = [_cell_sizes(line, unit) for line in self.lines]
        sizes = [size for line in cells for size in line]
        # Short cells of words: half of them or more of a few words, none a line of prose.
        self.word_cells = median(sizes) <= CELL_WORDS and max(sizes) <= 2 * CELL_WORDS
        self.rows_of_cells = 2 * sum(len(line) > 1 for line in cells) >= len(cells)
        self.found_again = words[0][0][0] < 0  # a negative block: see tesseract_unread.py
        # Each line's middle, left and right.
        self.spans = [
            (
                median(word.box.middle for word in line),
                min(word.box.left for word in line),
                max(word.box.right for word in line),
            )
            for line in self.lines
        ]
        self.middles = sorted(middle for middle, _, _ in self.spans)
        self.spacing = (
            median(after - before for before, after in pairwise(self.middles))
            if len(self.middles) > 1
            else 0.0
        )
        self.left = min(word.box.left for _, word in words)
        self.right = max(word.box.right for _, word in words)
        self.top = min(word.box.top for _, word in words)
        self.bottom = max(word.box.bottom for _, word in words)

    def across(self, top: int, bottom: int) -> tuple[int, int] | None:
        """Return the left and right of the lines whose middles lie between `top` and
        `bottom`; None if there are none."""
        beside = [(left, right) for middle, left, right in self.spans if top <= middle <= bottom]
        if not beside:
            return None
        return min(left for left, _ in beside), max(right for _, right in beside)

    def cells(self) -> bool:
        """Whether every line is short, as a table column's cells are."""
        return max(len(line) for line in self.lines) <= CELL_WORDS

    def figures(self) -> bool:
        """Whether most lines are figures or codes, as a table's columns of numbers are."""
        return 2 * sum(_figure(line) for line in self.lines) > len(self.lines)

    def level_with(self, middles: list[float], unit: float) -> int:
        """How many of these lines stand level with a line whose middle is in `middles`
        (sorted)."""
        return sum(_has_near(middles, middle, LEVEL * unit) for middle in self.middles)

    def shift_to(self, other: "_Lines") -> float:
        """How far these lines stand below `other`'s rows, as a photograph tilts them."""
        if len(other.middles) < 2:
            return 0.0
        # The median offset to the nearest row; none past SHIFT of the rows' spacing.
        shift = median(_nearest(other.middles, middle) - middle for middle in self.middles)
        return -shift if abs(shift) <= SHIFT * other.spacing else 0.0

    def rows_level_with(self, other: "_Lines", unit: float) -> int:
        """How many of these lines stand level with `other`'s, once set level with them."""
        shift = self.shift_to(other)
        return sum(
            _has_near(other.middles, middle - shift, LEVEL * unit) for middle in self.middles
        )


def table_groups(blocks: list[list[Keyed]]) -> list[list[list[Keyed]]]:
    """Group Tesseract's blocks (in its order) into tables; a table stands where its
    first block stood, and a block in no table is a group of its own."""
    if len(blocks) < 2:
        return [[block] for block in blocks]
    unit = median(word.box.height for block in blocks for _, word in block)
    runs = _column_runs([_Lines(block, unit) for block in blocks], unit)
    columns = [_Lines([keyed for m in run for keyed in blocks[m]], unit) for run in runs]
    groups = []
    for members in _joined(columns, unit):
        in_runs = [m for member in members for m in runs[member]]
        if len(members) > 1:
            groups.append([blocks[m] for m in sorted(in_runs)])
        else:  # no table: each block of the run as it was
            groups += [[blocks[m]] for m in in_runs]
    return groups


def _joined(lines: list[_Lines], unit: float) -> list[list[int]]:
    """Return the columns' indexes (of `lines`) table by table, each table where its
    first column stands, a column in no table alone."""
    table = list(range(len(lines)))  # each column's table: the index of one of its columns

    def find(index: int) -> int:
        while table[index] != index:
            index = table[index]
        return index

    for index, column in enumerate(lines):
        if (beside := _beside(column, lines, unit)) is not None:
            table[find(index)] = find(beside)
    grouped = _tables(lines, find).values()
    tabled = {member for members in grouped if len(members) > 1 for member in members}
    for index, column in enumerate(lines):
        if (
            index not in tabled
            and (first := _first_column(column, lines, tabled, unit)) is not None
        ):
            table[find(index)] = find(first)
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
    return list(_tables(lines, find).values())


def _column_runs(lines: list[_Lines], unit: float) -> list[list[int]]:
    """Return the blocks' indexes in runs: each block one after another in Tesseract's
    order that stands under the last, in one column with it (their left or right edges
    level), at most RUN_GAP text heights below it, neither holding rows of cells already
    (a table Tesseract found, a paragraph under it), both read or both found again."""
    runs = [[0]]
    for index in range(1, len(lines)):
        above, below = lines[runs[-1][-1]], lines[index]
        level = abs(above.left - below.left) <= unit or abs(above.right - below.right) <= unit
        gap = below.top - above.bottom
        alike = not (above.rows_of_cells or below.rows_of_cells)
        alike = alike and above.found_again == below.found_again
        if level and alike and -unit / 2 <= gap <= RUN_GAP * unit:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def table_block(group: list[list[Keyed]]) -> Block:
    """Return a table's words as one block, row by row, each row left to right: a column
    that a photograph tilted above or below its rows is set level with them first."""
    unit = median(word.box.height for block in group for _, word in block)
    parts = [_Lines(block, unit) for block in group]
    rows = max(parts, key=lambda part: len(part.middles))
    placed = {}  # each word as set level with the rows: the word it is
    for part, block in zip(parts, group, strict=True):
        shift = round(part.shift_to(rows))
        for _, word in block:
            box = replace(word.box, top=word.box.top - shift, bottom=word.box.bottom - shift)
            placed[replace(word, box=box)] = word
    lines = group_lines(list(placed))
    return Block(tuple(Line(tuple(placed[word] for word in line.words)) for line in lines))


def _beside(column: _Lines, lines: list[_Lines], unit: float) -> int | None:
    """Return the index of the nearest block left of `column` whose table it is a column
    of; None if there is none, or `column` is no table's column."""
    if len(column.middles) < MIN_ROWS:
        return None
    if column.cells() and column.figures():
        rows = _figures_level
    elif column.word_cells:
        rows = _words_level
    else:
        return None
    to_the_left = _across_from(column, lines, left=True)
    return next((index for index in to_the_left if rows(column, lines[index], unit)), None)


def _first_column(column: _Lines, lines: list[_Lines], tabled: set[int], unit: float) -> int | None:
    """Return the index of the nearest table column right of `column` whose table it is
    the first column of (a statement's dates): a column of figures, level with it. A
    column of figures beside a block that is no table's stays apart (ingredients beside
    a method)."""
    if len(column.middles) < MIN_ROWS or not (column.cells() and column.figures()):
        return None
    to_the_right = [i for i in _across_from(column, lines, left=False) if i in tabled]
    return next((i for i in to_the_right if _figures_level(column, lines[i], unit)), None)


def _across_from(column: _Lines, lines: list[_Lines], left: bool) -> list[int]:
    """Return the indexes of the blocks whose lines down the side of `column` lie wholly
    left of it (or right of it), nearest first. A block may reach past the column above or
    below it: items whose last prices Tesseract read on their lines."""
    found = []
    for index, block in enumerate(lines):
        if (beside := block.across(column.top, column.bottom)) is None:
            continue
        if left and beside[1] <= column.left:
            found.append((column.left - beside[1], -index))  # ties: the later block first
        elif not left and beside[0] >= column.right:
            found.append((beside[0] - column.right, index))
    return [abs(index) for _, index in sorted(found)]


def _figures_level(column: _Lines, beside: _Lines, unit: float) -> bool:
    """Whether a column of figures stands level with the lines of the block beside it."""
    return column.rows_level_with(beside, unit) >= max(MIN_ROWS, len(column.middles) / 2)


def _words_level(column: _Lines, beside: _Lines, unit: float) -> bool:
    """Whether a column of words and the block beside it are one table's, row for row."""
    # One found again beside one read: a form's labels beside its values, not two lists.
    shows_table = beside.rows_of_cells or column.found_again != beside.found_again
    return (
        beside.word_cells
        and shows_table
        and all(
            one.rows_level_with(other, unit) >= max(WORD_ROWS, LEVEL_SHARE * len(one.middles))
            for one, other in ((column, beside), (beside, column))
        )
    )


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


def _figure(line: list[Word]) -> bool:
    """Whether a line is a figure, or a code alone on its line."""
    return bool(FIGURE.match(line[0].text)) or (
        len(line) == 1 and bool(CODE.fullmatch(line[0].text))
    )


def _cell_sizes(line: list[Word], unit: float) -> list[int]:
    """The number of words in each cell of a line, where a gutter parts two words."""
    words = sorted(line, key=lambda word: word.box.left)
    sizes = [1]
    for before, word in pairwise(words):
        if word.box.left - before.box.right >= GUTTER * unit:
            sizes.append(0)
        sizes[-1] += 1
    return sizes


def _nearest(sorted_values: list[float], value: float) -> float:
    """The value in `sorted_values` (not empty) nearest to `value`."""
    position = bisect.bisect_left(sorted_values, value)
    return min(sorted_values[max(position - 1, 0) : position + 1], key=lambda v: abs(v - value))


def _has_near(sorted_values: list[float], value: float, reach: float) -> bool:
    """Whether a value in `sorted_values` is within `reach` of `value`."""
    position = bisect.bisect_left(sorted_values, value - reach)
    return position < len(sorted_values) and sorted_values[position] <= value + reach
