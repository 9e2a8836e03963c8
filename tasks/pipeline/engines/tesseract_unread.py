"""Text Tesseract's page layout passed over: lines of ink that no word it read covers, read
again on their own and put where they stand in its order.

Tesseract's layout analysis can drop a whole column of a photographed page and read the
rest well: a form's labels, bold, beside their values (a phone photo of a library card
form: no label read, where reading the same lines on their own finds every one).
"""

from dataclasses import replace
from itertools import groupby
from statistics import fmean, median
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageStat
from scipy import ndimage

from tasks.pipeline.document import Box, Fragment, enclosing
from tasks.pipeline.ink import INK_SHADE, ink

UNIT_PIXELS = 12  # the page is searched made small, its words this many pixels tall
COVER = 0.5  # text heights around a word read that its ink may reach (its accents, its tail)
WORD_GAP = 0.8  # text heights: ink closer than this across is one line
# A line of text: this many text heights tall, at least this many times as wide as tall,
# and this share of its box inked (less is a faint smudge or scattered specks; more, a bar).
LINE_HEIGHT = (0.5, 2.5)
LINE_WIDTH = 1.5
LINE_INK = (0.08, 0.8)
# A word read again, or the line it is read in, less confident than this is noise read as
# letters: a dithered photograph's lines read 0.1 to 0.3, with a word or two over 0.5 in them.
MIN_CONFIDENCE = 0.45
# A piece of ink of a letter covers this share of a text height squared or more (a letter's
# stroke at 300 dpi, hundreds of pixels); a dithered picture's dots, a pixel or two.
LETTER_PIECE = 0.02
SMALL_TEXT = 24  # pixels: text less tall is read again enlarged twice (a phone photo's)
# A line read again under the last one, its left edge within a text height, at most this
# many text heights below it, is of the same block (a column of labels, 3.5 apart).
BLOCK_GAP = 5.0


def unread_lines(image: Image.Image, fragments: list[Fragment]) -> list[Box]:
    """Return the boxes (in the page's pixels) of the lines of ink that no word read covers."""
    words = [fragment.box for fragment in fragments if fragment.text]
    unit = median(box.height for box in words) if words else 0
    if unit < 1:  # nothing read, or nothing of a height to measure lines by
        return []
    scale = min(1.0, UNIT_PIXELS / unit)
    unread_ink = ink(image, scale)
    small = UNIT_PIXELS if scale < 1 else unit
    reach = COVER * small
    for box in words:
        top, bottom = round(box.top * scale - reach), round(box.bottom * scale + reach)
        start, end = round(box.left * scale - reach), round(box.right * scale + reach)
        unread_ink[max(top, 0) : max(bottom, 0), max(start, 0) : max(end, 0)] = False
    across = np.ones((1, max(round(WORD_GAP * small), 1)), dtype=bool)
    labels, _ = ndimage.label(ndimage.binary_dilation(unread_ink, across))
    lines = []
    for rows, columns in ndimage.find_objects(labels):
        height, width = rows.stop - rows.start, columns.stop - columns.start
        inked = unread_ink[rows, columns].sum() / (height * width)
        if (
            LINE_HEIGHT[0] * small <= height <= LINE_HEIGHT[1] * small
            and width >= LINE_WIDTH * height
            and LINE_INK[0] <= inked <= LINE_INK[1]
        ):
            line = Box(
                int(columns.start / scale),
                int(rows.start / scale),
                int(np.ceil(columns.stop / scale)),
                int(np.ceil(rows.stop / scale)),
            )
            if _in_letters(image, line, unit):
                lines.append(line)
    return lines


def _in_letters(image: Image.Image, line: Box, unit: float) -> bool:
    """Whether the line's ink is in letters (strokes joined over many pixels), not in the
    scattered dots of a dithered picture: half its pieces of ink LETTER_PIECE or larger."""
    gray = np.asarray(image.convert("L").crop((line.left, line.top, line.right, line.bottom)))
    paper = np.percentile(gray, 90)
    pieces, count = ndimage.label(gray < paper * INK_SHADE)
    if not count:
        return False
    sizes = np.bincount(pieces.ravel())[1:]
    return float(np.median(sizes)) >= LETTER_PIECE * unit * unit


class Part(NamedTuple):
    """The part of the page read again: its image, where it stands, how much enlarged."""

    image: Image.Image
    area: Box
    scale: int


def read_out(image: Image.Image, read: list[Fragment], lines: list[Box]) -> Part:
    """Return the page's part that holds `lines`, on its paper and nothing else."""
    unit = median(fragment.box.height for fragment in read)
    margin = round(COVER * unit)
    grown = [_grown(line, margin, image) for line in lines]
    area = enclosing(grown)
    page = image.convert("RGB")
    # Nothing but the lines: a photograph beside them, read too, took seconds and gave noise.
    paper = tuple(round(value) for value in ImageStat.Stat(page.crop(_corners(area))).median)
    part = Image.new("RGB", (area.width, area.height), paper)
    for line in grown:
        part.paste(page.crop(_corners(line)), (line.left - area.left, line.top - area.top))
    scale = 2 if unit < SMALL_TEXT else 1
    if scale > 1:
        part = part.resize((part.width * scale, part.height * scale), Image.Resampling.LANCZOS)
    if "dpi" in image.info:
        part.info["dpi"] = tuple(value * scale for value in image.info["dpi"])
    return Part(part, area, scale)


def _grown(box: Box, margin: int, image: Image.Image) -> Box:
    """The box grown by `margin` on every side, within the image."""
    return Box(
        max(box.left - margin, 0),
        max(box.top - margin, 0),
        min(box.right + margin, image.width),
        min(box.bottom + margin, image.height),
    )


def _corners(box: Box) -> tuple[int, int, int, int]:
    return (box.left, box.top, box.right, box.bottom)


def found_again(read: list[Fragment], lines: list[Box], part: Part) -> list[Fragment]:
    """Return the words read again on `lines`, on the page, keyed by blocks of their own.

    Kept: confident words, in confident lines, with a letter or a digit. A line starts a
    block unless it stands just under the last one, its left edge level with it.
    """
    confidence: dict[tuple, list[float]] = {}
    for fragment in read:
        confidence.setdefault(fragment.line_key, []).append(fragment.confidence)
    on_page = [replace(f, box=_on_page(f.box, part)) for f in read]
    words = [
        f
        for f in on_page
        if f.confidence >= MIN_CONFIDENCE
        and fmean(confidence[f.line_key]) >= MIN_CONFIDENCE
        and any(character.isalnum() for character in f.text)
        and any(_holds(line, f.box) for line in lines)
    ]
    by_line: dict[tuple, list[Fragment]] = {}
    for word in words:
        by_line.setdefault(word.line_key, []).append(word)
    ordered = sorted(by_line.values(), key=lambda line: (line[0].box.top, line[0].box.left))
    blocks: list[list[list[Fragment]]] = []
    for line in ordered:
        unit = median(word.box.height for word in line)
        last = blocks[-1][-1] if blocks else None
        if (
            last is None
            or abs(line[0].box.left - last[0].box.left) > unit
            or line[0].box.top - max(word.box.bottom for word in last) > BLOCK_GAP * unit
        ):
            blocks.append([])
        blocks[-1].append(line)
    return [
        # A negative block: not one of Tesseract's (layout/tables.py tells them apart).
        Fragment(word.text, word.confidence, word.box, (-block, 1, number))
        for block, in_block in enumerate(blocks, start=1)
        for number, line in enumerate(in_block, start=1)
        for word in line
    ]


def in_order(fragments: list[Fragment], found: list[Fragment]) -> list[Fragment]:
    """Put each block found again before the first block read that comes after it."""
    blocks = _blocks(fragments)
    for block in _blocks(found):
        first_line = _extent([f for f in block if f.line_key == block[0].line_key])
        position = next(
            (
                index
                for index, other in enumerate(blocks)
                if _after(_extent(other), _extent(block), first_line)
            ),
            len(blocks),
        )
        blocks.insert(position, block)
    return [fragment for block in blocks for fragment in block]


def _after(other: Box, found: Box, first_line: Box) -> bool:
    """Whether a block read comes after a block found again: it starts below it, across
    from it, or level with its first line, to its right (a step beside its number)."""
    if abs(other.top - first_line.top) <= first_line.height / 2:
        return other.right > found.left
    return other.top > found.top and other.left < found.right and other.right > found.left


def _blocks(fragments: list[Fragment]) -> list[list[Fragment]]:
    """The fragments in blocks, in their order."""
    return [list(block) for _, block in groupby(fragments, key=lambda f: f.line_key[0])]


def _extent(fragments: list[Fragment]) -> Box:
    """The smallest box holding every fragment."""
    return enclosing(fragment.box for fragment in fragments)


def _on_page(box: Box, part: Part) -> Box:
    """A box on the part read again, on the page."""
    left, top = part.area.left, part.area.top
    return Box(
        left + box.left // part.scale,
        top + box.top // part.scale,
        left + -(-box.right // part.scale),
        top + -(-box.bottom // part.scale),
    )


def _holds(line: Box, box: Box) -> bool:
    """Whether the line holds the middle of the box."""
    return line.left <= box.centre <= line.right and line.top <= box.middle <= line.bottom
