"""Descriptions of the corpus pages: one description gives both a page's image and its truth.

A page is a list of regions in reading order; a region is a box of blocks (text or figures)
read top to bottom. Placement is in inches from the page's top left corner; type sizes are
in points. Pages are written in a small markup (see `page` and `parse_blocks`).
"""

import re
from dataclasses import dataclass
from textwrap import dedent

LETTER = (8.5, 11.0)


@dataclass(frozen=True)
class Style:
    """How a text block is set: font, size, spacing, alignment and colour."""

    font: str
    size: float
    leading: float
    space_after: float = 6
    first_indent: float = 0
    # List items: the first word (the marker) sits at the left, the text `hang` points in.
    hang: float = 0
    align: str = "left"  # left, right, center or justify
    color: str = "#000000"
    keep_lines: bool = False  # the source's line breaks are the text's (an address)


@dataclass(frozen=True)
class Text:
    """A paragraph, heading or list item; a newline in `text` breaks the line there."""

    style: Style
    text: str


@dataclass(frozen=True)
class Figure:
    """A picture without text: "photo", "chart", "rule" or "blank" (a gap)."""

    kind: str
    height: float
    width: float | None = None  # the region's width when None
    space_after: float = 8


@dataclass(frozen=True)
class Region:
    """A box on the page whose blocks are read top to bottom."""

    left: float
    top: float
    width: float
    blocks: list[Text | Figure]
    background: str | None = None
    padding: float = 0  # around the blocks, inside the background
    height: float | None = None  # the background's height inside the padding, if fixed
    color: str | None = None  # overrides the styles' text colour
    border: float = 0  # a ruled box around the region (padding included), in points


@dataclass(frozen=True)
class PageLayout:
    """A whole page: its regions in reading order, its size in inches and its resolution."""

    name: str
    kind: str
    regions: list[Region]
    size: tuple[float, float] = LETTER
    dpi: int = 300
    background: str = "#ffffff"


def truth(layout: PageLayout) -> str:
    """Return the page's text in reading order, paragraphs separated by blank lines."""
    blocks = [block for region in layout.regions for block in region.blocks]
    return "\n\n".join(block.text for block in blocks if isinstance(block, Text))


def new_block(tag: str, lines: list[str], styles: dict[str, Style]) -> Text | Figure:
    """Return the block that `lines`, tagged `tag`, describe."""
    if tag == "figure":
        kind, *sizes = lines[0].split()
        return Figure(kind, *map(float, sizes))
    style = styles[tag]
    return Text(style, ("\n" if style.keep_lines else " ").join(lines))


def parse_blocks(markup: str, styles: dict[str, Style]) -> list[Text | Figure]:
    """Read blocks from markup: a block starts after a blank line or at a line "tag: ...".

    The tag names a style in `styles` ("body" when there is none), or is "figure", followed
    by the figure's kind and its height (and width) in inches: "figure: chart 2.0".
    """
    tags = "|".join(["figure", *styles])
    blocks, tag, lines = [], "body", []
    for line in [*dedent(markup).strip().splitlines(), ""]:
        tagged = re.match(rf"({tags}): (.*)", line.strip())
        if (tagged or not line.strip()) and lines:
            blocks.append(new_block(tag, lines, styles))
            tag, lines = "body", []
        if tagged:
            tag, line = tagged.groups()
        if line.strip():
            lines.append(line.strip())
    return blocks


def ruled_table(
    rows: list[tuple[str, ...]],
    columns: list[tuple[float, float]],
    top: float,
    row_height: float = 0.34,
    padding: float = 0.06,
) -> str:
    """Return the markup of a table ruled in a grid: a region for each cell, its box ruled,
    the header row set as "label" and the others as "value"; `columns`: (left, width)."""
    text_height = row_height - 2 * padding
    return "".join(
        f"[{left} {top + number * row_height + padding:.2f} {width - 2 * padding:.2f}"
        f" padding={padding} height={text_height:.2f} border=0.8]\n"
        f"{'label' if number == 0 else 'value'}: {cell}\n"
        for number, cells in enumerate(rows)
        for (left, width), cell in zip(columns, cells, strict=True)
    )


def region_options(options: list[str]) -> dict[str, str | float]:
    """Read a region's options, "padding=0.2 background=#e4e4e4", numbers as numbers."""
    values = dict(option.split("=", 1) for option in options)
    return {key: value if value.startswith("#") else float(value) for key, value in values.items()}


def page(name: str, kind: str, styles: dict[str, Style], markup: str, **options) -> PageLayout:
    """Return the page that markup describes, in reading order.

    A line "[left top width option=value ...]" opens a region; the blocks under it, up to
    the next such line, are read by `parse_blocks`.
    """
    regions, header, lines = [], None, []
    for line in [*dedent(markup).strip().splitlines(), "[]"]:
        opening = re.fullmatch(r"\[(.*)\]", line.strip())
        if opening and header is not None:
            left, top, width, *rest = header.split()
            blocks = parse_blocks("\n".join(lines), styles)
            regions.append(
                Region(float(left), float(top), float(width), blocks, **region_options(rest))
            )
        if opening:
            header, lines = opening.group(1), []
        else:
            lines.append(line)
    return PageLayout(name, kind, regions, **options)
