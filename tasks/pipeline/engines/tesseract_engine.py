"""Tesseract 5 (Debian's `tesseract-ocr`), one thread per call."""

import tempfile
from functools import cache

import numpy as np
import pytesseract
from PIL import Image

from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.engines import ProgressCallback, limit_threads
from tasks.pipeline.engines.tesseract_cuts import cut_apart, put_back
from tasks.pipeline.engines.tesseract_unread import (
    found_again,
    in_order,
    read_out,
    unread_lines,
)
from tasks.pipeline.layout.grids import in_grid_order
from tasks.pipeline.rules import rule_out

# A page whose median pixel differs by less than this between its channels has no colour
# (a scan's paper tint: 10 to 13; a phone photo's cast: 30).
COLOURLESS = 20


@cache
def languages() -> list[str]:
    """Return the installed Tesseract languages (without `osd`, which is not one)."""
    return sorted(set(pytesseract.get_languages(config="")) - {"osd"})


def resolution_option(image: Image.Image) -> str:
    """Tell Tesseract the page's resolution, which a PPM cannot carry (none known: it guesses)."""
    dpi = image.info.get("dpi")
    return f"--dpi {round(dpi[0])}" if dpi else ""


class TesseractEngine:
    name = "tesseract"

    def __init__(self) -> None:
        limit_threads()

    def recognize(
        self, image: Image.Image, languages: list[str], progress: ProgressCallback
    ) -> list[Fragment]:
        """Return the words Tesseract finds, in its order, keyed by line, and those found again."""
        ruled = rule_out(image)
        image, colour = ruled.image, in_colour(ruled.image)
        read = _read(as_handed_over(image, colour), languages, resolution_option(image))
        cut = cut_apart(read)  # words cut apart: read again below, or put back
        fragments = put_back(read, cut, [])
        if lines := unread_lines(image, cut.kept):
            part = read_out(image, cut.kept, lines)
            # One block of text: no layout analysis, which passed these lines over.
            handed = as_handed_over(part.image, colour)  # in the page's colour, or grey
            again = _read(handed, languages, f"{resolution_option(part.image)} --psm 6")
            found = found_again(again, part)
            fragments = in_order(put_back(read, cut, found), found)
        progress(1.0, "Text recognised")
        return in_grid_order(fragments, ruled.grids)


def in_colour(image: Image.Image) -> bool:
    """Whether the page has colour (a phone photo's cast, 30 levels), not a scan's tint
    (10 to 13): its median pixel differs by COLOURLESS or more between its channels."""
    if image.mode != "RGB":
        return False
    small = np.asarray(image.reduce(4), dtype=np.int16)
    return bool(np.median(small.max(axis=2) - small.min(axis=2)) >= COLOURLESS)


def as_handed_over(image: Image.Image, colour: bool) -> Image.Image:
    """Return the page, or a part of it, as Tesseract is given it: in colour where the page
    has colour, else in grey as Tesseract makes it grey (Leptonica's weights). Tesseract
    thresholds each channel of a page in colour, a third slower, which only tells text
    from paper better where they differ in colour."""
    if image.mode != "RGB":
        return image.convert("L")
    return image if colour else image.convert("L", matrix=(0.3, 0.5, 0.2, 0))


def _read(image: Image.Image, languages: list[str], config: str) -> list[Fragment]:
    """Return the words Tesseract finds in the image (as handed over) with `config`, in
    its order."""
    # Handed over uncompressed: pytesseract's PNG took a sixth of Tesseract's own time.
    with tempfile.NamedTemporaryFile(suffix=".pnm") as file:
        image.save(file, format="PPM")
        file.flush()
        data = pytesseract.image_to_data(
            file.name,
            lang="+".join(languages),
            config=config,
            output_type=pytesseract.Output.DICT,
        )
    return [
        Fragment(
            text.strip(),
            float(conf) / 100,
            Box(left, top, left + width, top + height),
            (block, paragraph, line),
        )
        for text, conf, left, top, width, height, block, paragraph, line in zip(
            data["text"],
            data["conf"],
            data["left"],
            data["top"],
            data["width"],
            data["height"],
            data["block_num"],
            data["par_num"],
            data["line_num"],
            strict=True,
        )
        if text.strip() and float(conf) >= 0
    ]
