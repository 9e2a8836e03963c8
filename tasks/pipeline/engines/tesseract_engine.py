"""Tesseract 5 (Debian's `tesseract-ocr`), one thread per call."""

import tempfile
from functools import cache

import pytesseract
from PIL import Image

from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.engines import ProgressCallback, limit_threads


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
        """Return the words Tesseract finds, in its reading order, each keyed by its line."""
        # Handed over uncompressed: pytesseract's PNG took a sixth of Tesseract's own time.
        with tempfile.NamedTemporaryFile(suffix=".ppm") as file:
            image.convert("RGB").save(file, format="PPM")
            file.flush()
            data = pytesseract.image_to_data(
                file.name,
                lang="+".join(languages),
                config=resolution_option(image),
                output_type=pytesseract.Output.DICT,
            )
        progress(1.0, "Text recognised")
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
