"""Text Tesseract's page layout passed over: lines of ink that no word it read covers, read
again on their own and put where they stand in its order.

Tesseract's layout analysis can drop a whole column of a photographed page and read the
rest well: a form's labels, bold, beside their values (a phone photo of a library card
form: no label read, where reading the same lines on their own finds every one).
"""

from itertools import groupby
from statistics import fmean, median

import numpy as np
from PIL import Image, ImageDraw, ImageStat
from scipy import ndimage

from tasks.pipeline.document import Box, Fragment, enclosing
from tasks.pipeline.ink import ink

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
            lines.append(
                Box(
                    int(columns.start / scale),
                    int(rows.start / scale),
                    int(np.ceil(columns.stop / scale)),
                    int(np.ceil(rows.stop / scale)),
                )
            )
    return lines


def read_out(image: Image.Image, read: list[Fragment], lines: list[Box]) -> tuple[Image.Image, Box]:
    """Return the page's part that holds `lines`, every word read painted out, and its box."""
    unit = median(fragment.box.height for fragment in read)
    margin = round(COVER * unit)
    area = enclosing(lines)
    area = Box(
        max(area.left - margin, 0),
        max(area.top - margin, 0),
        min(area.right + margin, image.width),
        min(area.bottom + margin, image.height),
    )
    part = image.convert("RGB").crop((area.left, area.top, area.right, area.bottom))
    paper = tuple(round(value) for value in ImageStat.Stat(part).median)
    draw = ImageDraw.Draw(part)
    grown = round(COVER * unit / 2)
    for fragment in read:
        box = _moved(fragment.box, -area.left, -area.top)
        draw.rectangle(
            (box.left - grown, box.top - grown, box.right + grown, box.bottom + grown), fill=paper
        )
    return part, area


def found_again(read: list[Fragment], lines: list[Box], area: Box) -> list[Fragment]:
    """Return the words read again on `lines`, on the page, keyed by blocks of their own.

    Kept: confident words, in confident lines, with a letter or a digit. A line starts a
    block unless it stands just under the last one, its left edge level with it.
    """
    confidence: dict[tuple, list[float]] = {}
    for fragment in read:
        confidence.setdefault(fragment.line_key, []).append(fragment.confidence)
    words = [
        Fragment(f.text, f.confidence, _moved(f.box, area.left, area.top), f.line_key)
        for f in read
        if f.confidence >= MIN_CONFIDENCE
        and fmean(confidence[f.line_key]) >= MIN_CONFIDENCE
        and any(character.isalnum() for character in f.text)
        and any(_holds(line, f.box, area) for line in lines)
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


def _moved(box: Box, across: int, down: int) -> Box:
    """The box moved `across` and `down`."""
    return Box(box.left + across, box.top + down, box.right + across, box.bottom + down)


def _holds(line: Box, box: Box, area: Box) -> bool:
    """Whether the line (on the page) holds the middle of a word read in `area`."""
    x = (box.left + box.right) / 2 + area.left
    y = (box.top + box.bottom) / 2 + area.top
    return line.left <= x <= line.right and line.top <= y <= line.bottom
