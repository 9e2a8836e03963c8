"""Reading one page image into a laid-out Page: the OCR pipeline without Flask, DB or Celery.

Tesseract lays the page out (blocks, paragraphs, lines, in reading order) for every
engine where it is installed: EasyOCR's words are placed into its lines. `engine=auto`
keeps Tesseract's reading unless it reads poorly or the page is a photo, then asks EasyOCR
and keeps the better one; `languages=auto` reads again in the language the first reading
is written in.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from statistics import fmean

from PIL import Image

from tasks.pipeline import page_quality
from tasks.pipeline.document import Fragment, Page
from tasks.pipeline.engines import Engine, ProgressCallback, load_engine
from tasks.pipeline.languages import (
    MIN_LETTERS_TO_DETECT,
    SHORT_TEXT_LETTERS,
    detect_language,
    letter_count,
    likeliest_languages,
)
from tasks.pipeline.layout import Guide, build_page
from tasks.pipeline.orientation import detect_rotation, straighten

AUTO = "auto"
# A page read with at least this many words, at this mean confidence, in boxes wider than
# tall, is taken as upright; any other is checked for orientation (a Tesseract run).
UPRIGHT_MIN_WORDS = 3
UPRIGHT_MIN_CONFIDENCE = 0.8

# Readings of a short text, besides the first: its likeliest languages.
SHORT_TEXT_CANDIDATES = 3

EngineLoader = Callable[[str], Engine]
# The part of a page's progress that Tesseract's reading takes, by engine: EasyOCR's
# reading after it takes ten times as long.
TESSERACT_SHARE = {"tesseract": 1.0, "easyocr": 0.1, AUTO: 0.1}


def _no_progress(fraction: float, detail: str) -> None:
    """Ignore progress (for callers that do not report it)."""


def _within(progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    """Report a step's progress as the part between `start` and `end` of the page's."""
    return lambda fraction, detail: progress(start * (1 - fraction) + end * fraction, detail)


@cache
def _tesseract_installed() -> bool:
    return shutil.which("tesseract") is not None


@dataclass(frozen=True)
class Reading:
    """What one engine read on the page, turned upright and levelled, in which languages."""

    image: Image.Image
    rotation: int
    skew: float
    fragments: list[Fragment]
    engine: str
    languages: list[str]

    def page(self, number: int, guide: Guide | None = None) -> Page:
        """Lay the reading out as a page (`guide`: another engine's layout to follow)."""
        width, height = self.image.size
        return build_page(
            self.fragments,
            number,
            width,
            height,
            guide,
            rotation=self.rotation,
            skew=self.skew,
            engine=self.engine,
            languages=self.languages,
        )


def _found(fragments: list[Fragment]) -> list[Fragment]:
    """Return the words read, three letters long at least (no stray marks)."""
    return [fragment for fragment in fragments if len(fragment.text.strip()) >= 3]


def looks_upright(fragments: list[Fragment]) -> bool:
    """Whether an engine read the page confidently, in horizontal lines: no turning needed.

    Tesseract reads a page turned 90 degrees clockwise well, but down its columns, in
    boxes taller than wide: the page must still be turned for the layout to hold.
    """
    found = _found(fragments)
    if len(found) < UPRIGHT_MIN_WORDS:
        return False
    horizontal = sum(f.box.width > f.box.height for f in found) / len(found)
    confidence = fmean(f.confidence for f in found)
    return horizontal >= 0.8 and confidence >= UPRIGHT_MIN_CONFIDENCE


def upright_text(fragments: list[Fragment]) -> float:
    """How much text a reading found upright: its words' confidences summed, of those in
    boxes wider than tall."""
    return sum(f.confidence for f in _found(fragments) if f.box.width > f.box.height)


def read_upright(
    image: Image.Image, engine: Engine, languages: list[str], progress: ProgressCallback
) -> Reading:
    """Read the image levelled; if the result is poor and the page lies sideways or upside
    down, turn it upright, level it again and read it again, and keep the reading that
    found more text upright.

    Tesseract's layout falls apart on a page askew by a few degrees (a page of plain
    prose fed 4 degrees askew clockwise: CER 0.86; levelled: 0.00). Its orientation
    check can be wrong where the first reading was only a little short of confident (a
    phone photo of a page of small type taken for upside down, with confidence 2.1: the
    turned reading's words 0.22 confident, the first's 0.76).
    """
    levelled, skew = straighten(image)
    fragments = engine.recognize(levelled, languages, progress)
    first = Reading(levelled, 0, skew, fragments, engine.name, languages)
    rotation = 0 if looks_upright(fragments) else detect_rotation(levelled)
    if not rotation:
        return first
    levelled, skew = straighten(image, rotation)
    fragments = engine.recognize(levelled, languages, progress)
    turned = Reading(levelled, rotation, skew, fragments, engine.name, languages)
    return max(first, turned, key=lambda reading: upright_text(reading.fragments))


def in_its_language(reading: Reading, engine: Engine, progress: ProgressCallback) -> Reading:
    """Read again in the language the reading is written in, if it is another one.

    A short text read in English is too garbled to tell its language from (a line of
    German was taken for French): it is read in each of the likeliest few, and the most
    confident reading is kept.
    """
    text = " ".join(fragment.text for fragment in reading.fragments)
    detectable = _detectable_languages()
    if letter_count(text) >= SHORT_TEXT_LETTERS:
        language = detect_language(text, detectable)
        if language is None or [language] == reading.languages:
            return reading
        return _read_in(reading, engine, language, progress)
    if letter_count(text) < MIN_LETTERS_TO_DETECT:  # a page number, a stray mark
        return reading
    likeliest = likeliest_languages(text, detectable, SHORT_TEXT_CANDIDATES)
    others = [
        _read_in(reading, engine, code, progress)
        for code in likeliest
        if [code] != reading.languages
    ]
    return max([reading, *others], key=_confidence)


def _read_in(reading: Reading, engine: Engine, language: str, progress) -> Reading:
    fragments = engine.recognize(reading.image, [language], progress)
    return replace(reading, fragments=fragments, languages=[language])


def _confidence(reading: Reading) -> float:
    """The mean confidence of a reading's words (0 without any)."""
    return fmean(f.confidence for f in reading.fragments) if reading.fragments else 0.0


@cache
def _detectable_languages() -> list[str]:
    """Return the languages a page can be read again in: Tesseract's."""
    from tasks.pipeline.engines.tesseract_engine import languages

    return languages()


def first_reading(
    image: Image.Image, engine: Engine, languages: list[str], progress: ProgressCallback
) -> Reading:
    """Read the page upright, in the languages asked for or (`auto`) the page's own."""
    if languages != [AUTO]:
        return read_upright(image, engine, languages, progress)
    reading = read_upright(image, engine, ["eng"], progress)
    if engine.name != "tesseract":  # the other engines read English only
        return reading
    return in_its_language(reading, engine, progress)


def needs_second_reading(reading: Reading, page: Page) -> bool:
    """Whether `engine=auto` asks EasyOCR too: a poor reading, or a photo, not a scan.

    Tesseract can miss whole paragraphs of a photographed page and still read the rest
    well, so a photo is read twice whatever its first reading looks like.
    """
    return page_quality.reads_poorly(page) or page_quality.looks_like_photo(reading.image)


def read_image(
    image: Image.Image,
    engine: str,
    languages: list[str] | None = None,
    number: int = 1,
    progress: ProgressCallback = _no_progress,
    load: EngineLoader = load_engine,
) -> tuple[Image.Image, Page]:
    """Read one page image with engine `engine` (or `auto`); return it upright, and its Page."""
    languages = languages or ["eng"]
    if not _tesseract_installed():  # no layout to follow: EasyOCR alone, laid out by XY-cut
        reading = first_reading(image, load("easyocr"), languages, progress)
        return reading.image, reading.page(number)
    share = TESSERACT_SHARE.get(engine, 1.0)
    tesseract = first_reading(image, load("tesseract"), languages, _within(progress, 0, share))
    page = tesseract.page(number)
    if engine == "tesseract" or (engine == AUTO and not needs_second_reading(tesseract, page)):
        return tesseract.image, page
    easyocr = load("easyocr")
    fragments = easyocr.recognize(tesseract.image, ["eng"], _within(progress, share, 1.0))
    other = replace(tesseract, fragments=fragments, engine=easyocr.name, languages=["eng"])
    other_page = other.page(number, Guide.from_page(page))
    if engine == AUTO:
        return tesseract.image, page_quality.better_reading(page, other_page)
    return tesseract.image, other_page
