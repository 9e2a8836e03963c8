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
from PIL import Image, ImageDraw, ImageStat
from scipy import ndimage

from tasks.pipeline.document import Box, Fragment, enclosing
from tasks.pipeline.ink import INK_SHADE, ink
from tasks.pipeline.layout.xy_cut import GUTTER

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
STRIP_GAP = 1.0  # text heights of paper between two lines stacked to be read again


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
    gray = np.asarray(image.crop((line.left, line.top, line.right, line.bottom)).convert("L"))
    paper = np.percentile(gray, 90)
    pieces, count = ndimage.label(gray < paper * INK_SHADE)
    if not count:
        return False
    sizes = np.bincount(pieces.ravel())[1:]
    return float(np.median(sizes)) >= LETTER_PIECE * unit * unit


class Part(NamedTuple):
    """The unread lines stacked on their paper to be read again: the image, each line's box
    on the page with its top on the image, where the lines start across, the enlargement."""

    image: Image.Image
    lines: list[tuple[Box, int]]
    left: int
    scale: int


def read_out(image: Image.Image, read: list[Fragment], lines: list[Box]) -> Part:
    """Return the unread lines one under another on their paper, every word read painted
    out: nothing else of the page (a photograph beside them read noise for seconds)."""
    unit = median(fragment.box.height for fragment in read)
    margin, gap = round(COVER * unit), round(STRIP_GAP * unit)
    grown = [_grown(line, margin, image) for line in lines]
    page = image.convert("RGB")
    strips = [page.crop(_corners(box)) for box in grown]
    paper = tuple(
        round(median(channel))
        for channel in zip(*(ImageStat.Stat(strip).median for strip in strips), strict=True)
    )
    width = max(box.width for box in grown) + 2 * gap
    height = sum(box.height for box in grown) + gap * (len(grown) + 1)
    stacked = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(stacked)
    placed, top = [], gap
    for box, strip in zip(grown, strips, strict=True):
        stacked.paste(strip, (gap, top))
        for fragment in read:  # a word read that the margin takes in, painted out
            word = _moved(fragment.box, gap - box.left, top - box.top)
            if word.bottom > top and word.top < top + box.height:
                draw.rectangle((word.left, word.top, word.right - 1, word.bottom - 1), fill=paper)
        placed.append((box, top))
        top += box.height + gap
    scale = 2 if unit < SMALL_TEXT else 1
    if scale > 1:
        stacked = stacked.resize((width * scale, height * scale), Image.Resampling.LANCZOS)
    if "dpi" in image.info:
        stacked.info["dpi"] = tuple(value * scale for value in image.info["dpi"])
    return Part(stacked, placed, gap, scale)


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


def found_again(read: list[Fragment], part: Part) -> list[Fragment]:
    """Return the words read again, on the page, keyed by blocks of their own.

    Kept: confident words, in confident lines, with a letter or a digit. A line joins the
    block whose last line stands just above it, its left edge level with it; else it
    starts a block.
    """
    confidence: dict[tuple, list[float]] = {}
    for fragment in read:
        confidence.setdefault(fragment.line_key, []).append(fragment.confidence)
    lines: dict[int, list[Fragment]] = {}
    for fragment in read:
        if (
            fragment.confidence >= MIN_CONFIDENCE
            and fmean(confidence[fragment.line_key]) >= MIN_CONFIDENCE
            and any(character.isalnum() for character in fragment.text)
            and (found := _on_page(fragment.box, part)) is not None
        ):
            number, box = found
            lines.setdefault(number, []).append(replace(fragment, box=box))
    blocks: list[list[list[Fragment]]] = []
    for line in sorted(lines.values(), key=lambda line: _extent(line).top):
        line.sort(key=lambda word: word.box.left)
        extent, unit = _extent(line), median(word.box.height for word in line)
        above = [
            block
            for block, last in ((block, _extent(block[-1])) for block in blocks)
            if abs(last.left - extent.left) <= unit
            and 0 <= extent.top - last.bottom <= BLOCK_GAP * unit
        ]
        if above:
            above[-1].append(line)
        else:
            blocks.append([line])
    return [
        # A negative block: not one of Tesseract's (layout/tables.py tells them apart).
        Fragment(word.text, word.confidence, word.box, (-block, 1, number))
        for block, in_block in enumerate(blocks, start=1)
        for number, line in enumerate(in_block, start=1)
        for word in line
    ]


def in_order(fragments: list[Fragment], found: list[Fragment]) -> list[Fragment]:
    """Put each line found again that goes on a line read at the end of it, and each other
    block found again before the first block read that comes after it."""
    blocks = _blocks(fragments)
    for block in _blocks(found):
        if _continued(blocks, block):
            continue
        first_line = _extent([f for f in block if f.line_key == block[0].line_key])
        extent = _extent(block)
        position = next(
            (i for i, other in enumerate(blocks) if _after(_extent(other), extent, first_line)),
            len(blocks),
        )
        blocks.insert(position, block)
    return [fragment for block in blocks for fragment in block]


def _continued(blocks: list[list[Fragment]], found: list[Fragment]) -> bool:
    """Put a block found again of one line at the end of the line read it goes on (level
    with it, less than a gutter to its left: "Notice:" before grey words); whether it did."""
    if len({fragment.line_key for fragment in found}) > 1:
        return False
    line = _extent(found)
    for block in blocks:
        for key in dict.fromkeys(fragment.line_key for fragment in block):
            words = [fragment for fragment in block if fragment.line_key == key]
            read = _extent(words)
            if (
                abs(read.middle - line.middle) <= line.height / 2
                and 0 <= line.left - read.right <= GUTTER * line.height
            ):
                end = block.index(words[-1]) + 1
                block[end:end] = [replace(fragment, line_key=key) for fragment in found]
                return True
    return False


def _after(other: Box, found: Box, first_line: Box) -> bool:
    """Whether a block read comes after a block found again: it starts below it, across
    from it, or level with its first line, to its right (a step beside its number)."""
    if abs(other.top - first_line.top) <= first_line.height / 2:
        return other.left > found.left
    return other.top > found.top and other.left < found.right and other.right > found.left


def _blocks(fragments: list[Fragment]) -> list[list[Fragment]]:
    """The fragments in blocks, in their order."""
    return [list(block) for _, block in groupby(fragments, key=lambda f: f.line_key[0])]


def _extent(fragments: list[Fragment]) -> Box:
    """The smallest box holding every fragment."""
    return enclosing(fragment.box for fragment in fragments)


def _on_page(box: Box, part: Part) -> tuple[int, Box] | None:
    """Which stacked line a box read again lies on, and the box on the page (None: off
    every line)."""
    left, top = box.left // part.scale, box.top // part.scale
    right, bottom = -(-box.right // part.scale), -(-box.bottom // part.scale)
    middle = (top + bottom) / 2
    for number, (line, line_top) in enumerate(part.lines):
        if line_top <= middle < line_top + line.height:
            across, down = line.left - part.left, line.top - line_top
            return number, Box(left + across, top + down, right + across, bottom + down)
    return None


def _moved(box: Box, across: int, down: int) -> Box:
    """The box moved `across` and `down`."""
    return Box(box.left + across, box.top + down, box.right + across, box.bottom + down)
