"""Tables ruled in a grid: each word in its cell, and the table read row by row, each row's
cells left to right.

Tesseract can read a ruled table's columns one after the other once its rules are painted
out (a photographed table, its rows tilted by the camera); the rules themselves say which
cell each word is in (`tasks.pipeline.rules` finds them).
"""

from dataclasses import dataclass, replace
from itertools import pairwise
from statistics import median

from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.layout.xy_cut import GUTTER, gaps

# A row of a table ruled between its rows only is this many text heights tall at most
# (a line, or two of a wrapped cell); taller, the rules part paragraphs.
ROW_LINES = 3.0


@dataclass(frozen=True)
class Rule:
    """A straight rule: from `start` to `end` along it (across the page for a rule across,
    down it for a rule down), at `offset + slope * along` the other way."""

    start: float
    end: float
    offset: float
    slope: float

    def at(self, along: float) -> float:
        """Where the rule stands, across its length, at `along`."""
        return self.offset + self.slope * along

    def covers(self, along: float, slack: float = 0) -> bool:
        """Whether the rule runs past `along` (or stops within `slack` of it)."""
        return self.start - slack <= along <= self.end + slack

    @property
    def middle(self) -> float:
        """Where the rule stands at its middle."""
        return self.at((self.start + self.end) / 2)


@dataclass(frozen=True)
class Grid:
    """A table ruled in a grid: its rules across (top to bottom) and down (left to right)."""

    across: tuple[Rule, ...]
    down: tuple[Rule, ...]

    def closed(self, slack: float) -> bool:
        """Whether the outer rules are the grid's border (within `slack`): each rule across
        runs from the first rule down to the last and no further, and each rule down from
        the first across to the last. A table without its border has cells at its edges
        that no rule bounds."""
        return all(
            abs(rule.start - first.at(rule.at(rule.start))) <= slack
            and abs(rule.end - last.at(rule.at(rule.end))) <= slack
            for rules, (first, last) in (
                (self.across, (self.down[0], self.down[-1])),
                (self.down, (self.across[0], self.across[-1])),
            )
            for rule in rules
        )

    def cell(self, box: Box) -> tuple[int, int] | None:
        """Return the row and column of the cell the box's middle is in, or None outside
        the grid; a rule that stops short of the box (a cell across two) is no bound."""
        x, y = box.centre, box.middle
        row = _after(self.across, along=x, position=y)
        column = _after(self.down, along=y, position=x)
        if row is None or column is None:
            return None
        return row, column

    def cells(self, fragments: list[Fragment]) -> list[tuple[int, int] | None]:
        """Return the cell of each fragment, None for those outside the table."""
        return [self.cell(fragment.box) for fragment in fragments]


@dataclass(frozen=True)
class RuledRows(Grid):
    """A table ruled between its rows only: its sides are where the rules end, its columns
    where gutters part each row's words (no rules down tell)."""

    def cells(self, fragments: list[Fragment]) -> list[tuple[int, int] | None]:
        """Return the cell of each fragment; None for every one where a row holds more
        than a line or two (the rules part an article's paragraphs, not a table's rows)."""
        ruled = super().cells(fragments)
        rows: dict[int, list[Box]] = {}
        for fragment, cell in zip(fragments, ruled, strict=True):
            if cell is not None:
                rows.setdefault(cell[0], []).append(fragment.box)
        if not rows:
            return ruled
        height = median(box.height for boxes in rows.values() for box in boxes)
        if any(_tall(boxes) > ROW_LINES * height for boxes in rows.values()):
            return [None] * len(fragments)
        cuts = {
            row: gaps([(box.left, box.right) for box in boxes], GUTTER * height)
            for row, boxes in rows.items()
        }
        return [
            None if cell is None else (cell[0], sum(f.box.left > cut for cut in cuts[cell[0]]))
            for f, cell in zip(fragments, ruled, strict=True)
        ]


def _tall(boxes: list[Box]) -> float:
    """Return how tall the boxes stand together, from the highest top to the lowest bottom."""
    return max(box.bottom for box in boxes) - min(box.top for box in boxes)


def ruled_rows(across: list[Rule], slack: float) -> list[RuledRows]:
    """Return the tables ruled between their rows only: three rules across or more, one
    under another, each starting and ending where the others do (within `slack`)."""
    grids, run = [], []
    for rule in [*sorted(across, key=lambda rule: rule.middle), None]:
        if rule is not None and (not run or _level_ends(run[0], rule, slack)):
            run.append(rule)
            continue
        if len(run) >= 3:
            grids.append(_rows_ruled(run))
        run = [rule] if rule is not None else []
    return grids


def _rows_ruled(rules: list[Rule]) -> RuledRows:
    """Return the table of the rules between its rows, a row more above and below them
    (a rule under each row, or over each: its first or last row has none), a row's
    height apart; its sides where the rules end."""
    spacing = median(after.middle - before.middle for before, after in pairwise(rules))
    first, last = rules[0], rules[-1]
    above = replace(first, offset=first.offset - spacing)
    below = replace(last, offset=last.offset + spacing)
    top, bottom = above.middle, below.middle
    sides = tuple(Rule(top, bottom, x, 0.0) for x in (first.start, first.end))
    return RuledRows((above, *rules, below), sides)


def _level_ends(one: Rule, other: Rule, slack: float) -> bool:
    """Whether the two rules start and end within `slack` of each other."""
    return abs(one.start - other.start) <= slack and abs(one.end - other.end) <= slack


def _after(rules: tuple[Rule, ...], along: float, position: float) -> int | None:
    """Return the number of the last rule before `position` of those running past `along`,
    or None where no such rule lies before it, or none after it."""
    running = [number for number, rule in enumerate(rules) if rule.covers(along)]
    before = [number for number in running if rules[number].at(along) < position]
    if not before or len(before) == len(running):
        return None
    return before[-1]


def in_grid_order(fragments: list[Fragment], grids: list[Grid]) -> list[Fragment]:
    """Return the fragments with those in each grid's cells as one block read row by row
    (each row a line, its cells left to right, a cell's words in their order), where the
    first of them stood."""
    for grid in grids:
        fragments = _in_order(fragments, grid)
    return fragments


def _in_order(fragments: list[Fragment], grid: Grid) -> list[Fragment]:
    """Return the fragments with those in the grid's cells read row by row."""
    cells = grid.cells(fragments)
    inside = [number for number, cell in enumerate(cells) if cell is not None]
    if not inside:
        return fragments
    block = 1 + max((f.line_key[0] for f in fragments if f.line_key), default=0)
    # A row is one line, even where a cell's text runs over several: a row of the table
    # read across, not each cell's lines apart (which would read as columns).
    table = [
        replace(fragments[number], line_key=(block, 1, 1 + cells[number][0]))
        for number in sorted(inside, key=lambda number: (cells[number], number))
    ]
    rest = [fragment for number, fragment in enumerate(fragments) if cells[number] is None]
    return rest[: inside[0]] + table + rest[inside[0] :]
