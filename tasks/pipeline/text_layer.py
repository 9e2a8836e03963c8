"""A PDF page's own text layer: its words, with boxes in pixels of the page as rendered,
turned upright with the page's image when the page shows its text sideways."""

import ctypes
import unicodedata
from collections import Counter

from PIL import Image

from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.orientation import upright

# pdfium's marks for a hyphen it found at the end of a line, where the word goes on below.
LINE_END_HYPHENS = frozenset("\ufffe\x02")
# The clockwise turn that makes text running this way on the image run to the right.
_UPRIGHT_TURN = {"right": 0, "down": 270, "left": 180, "up": 90}


def text_layer(page, image: Image.Image) -> tuple[Image.Image, list[Fragment], int]:
    """Return the page's image and its words, both turned upright if the text runs sideways
    or upside down on it (a born-digital page given a /Rotate, as viewers do), and the
    clockwise turn applied.

    Words are built from characters, so that tight line spacing cannot mix two lines.
    """
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    if len(text) != textpage.count_chars():  # index-aligned text is the normal case
        text = "".join(textpage.get_text_range(i, 1) for i in range(textpage.count_chars()))
    words, directions = [], Counter()
    letters, boxes = [], []
    for index, character in enumerate([*text, " "]):
        if character.isspace() or character == "\x00" or character in LINE_END_HYPHENS:
            if letters:
                # After a line-end hyphen, the rest of the word starts the next line.
                hyphen = "-" if character in LINE_END_HYPHENS else ""
                words.append(Fragment("".join(letters) + hyphen, 1.0, _union(boxes)))
                directions[reading_direction(letters, boxes)] += len(boxes)
            letters, boxes = [], []
            continue
        if _is_text(character):
            letters.append(character)
            boxes.append(_device_box(page, image.size, *textpage.get_charbox(index, loose=True)))
    directions.pop(None, None)
    turn = _UPRIGHT_TURN[directions.most_common(1)[0][0]] if directions else 0
    if not turn:
        return image, words, 0
    width, height = image.size
    turned = [Fragment(w.text, w.confidence, _turned(w.box, turn, width, height)) for w in words]
    return upright(image, turn), turned, turn


def _is_text(character: str) -> bool:
    """Whether a character is text: not a control character, a lone surrogate or a
    noncharacter (XML, and so hOCR, may carry none of them)."""
    code = ord(character)
    return (
        unicodedata.category(character) not in ("Cc", "Cs")
        and not 0xFDD0 <= code <= 0xFDEF
        and code & 0xFFFE != 0xFFFE
    )


def _union(boxes: list[Box]) -> Box:
    whole = boxes[0]
    for box in boxes[1:]:
        whole = whole.union(box)
    return whole


def reading_direction(letters: list[str], boxes: list[Box]) -> str | None:
    """Which way a word's left-to-right letters run on the image, from its first to its
    last: None without two of them.

    Only letters of left-to-right scripts count: pdfium gives Hebrew or Arabic in reading
    order, which runs left on an upright page (such a page was turned upside down).
    """
    pairs = zip(letters, boxes, strict=True)
    boxes = [box for letter, box in pairs if unicodedata.bidirectional(letter) == "L"]
    if len(boxes) < 2:
        return None
    first, last = boxes[0], boxes[-1]
    across = (last.left + last.right - first.left - first.right) / 2
    down = (last.top + last.bottom - first.top - first.bottom) / 2
    if abs(across) >= abs(down):
        return "right" if across >= 0 else "left"
    return "down" if down > 0 else "up"


def _turned(box: Box, turn: int, width: int, height: int) -> Box:
    """Map `box` on a `width` x `height` image to the image turned `turn` degrees clockwise."""
    left, top, right, bottom = box.left, box.top, box.right, box.bottom
    if turn == 90:
        return Box(height - bottom, left, height - top, right)
    if turn == 180:
        return Box(width - right, height - bottom, width - left, height - top)
    return Box(top, width - right, bottom, width - left)


def _device_box(page, size: tuple[int, int], left, bottom, right, top) -> Box:
    """Map a box in PDF points to pixels of the rendered page, as pdfium renders it.

    pdfium applies the page's /Rotate and CropBox when it renders, not to text boxes.
    """
    import pypdfium2.raw as pdfium_c

    corners = []
    for x, y in ((left, bottom), (right, top)):
        device_x, device_y = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(
            page.raw, 0, 0, *size, 0, x, y, ctypes.byref(device_x), ctypes.byref(device_y)
        )
        corners.append((device_x.value, device_y.value))
    (x0, y0), (x1, y1) = corners
    return Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
