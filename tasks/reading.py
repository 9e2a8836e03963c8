"""Reading one page image into a laid-out Page: the OCR pipeline without Flask, DB or Celery."""

from statistics import fmean

from PIL import Image

from tasks.document import Fragment, Page
from tasks.engines import Engine, ProgressCallback, load_engine
from tasks.layout import build_page
from tasks.orientation import detect_rotation, upright

# A page read with at least this many words, at this mean confidence, in boxes wider than
# tall, is taken as upright; any other is checked for orientation (a Tesseract run).
UPRIGHT_MIN_WORDS = 3
UPRIGHT_MIN_CONFIDENCE = 0.8


def _no_progress(fraction: float, detail: str) -> None:
    """Ignore progress (for callers that do not report it)."""


def looks_upright(fragments: list[Fragment]) -> bool:
    """Whether an engine read the page confidently, in horizontal lines: no turning needed.

    Tesseract reads a page turned 90 degrees clockwise well, but down its columns, in
    boxes taller than wide: the page must still be turned for the layout to hold.
    """
    found = [fragment for fragment in fragments if len(fragment.text.strip()) >= 3]
    if len(found) < UPRIGHT_MIN_WORDS:
        return False
    horizontal = sum(f.box.width > f.box.height for f in found) / len(found)
    confidence = fmean(f.confidence for f in found)
    return horizontal >= 0.8 and confidence >= UPRIGHT_MIN_CONFIDENCE


def recognize_upright(
    image: Image.Image, engine: Engine, languages: list[str], progress: ProgressCallback
) -> tuple[Image.Image, list[Fragment], int]:
    """Recognise the image; if the result is poor and it lies sideways, turn it and retry."""
    fragments = engine.recognize(image, languages, progress)
    if looks_upright(fragments):
        return image, fragments, 0
    rotation = detect_rotation(image)
    if rotation == 0:
        return image, fragments, 0
    image = upright(image, rotation)
    return image, engine.recognize(image, languages, progress), rotation


def read_image(
    image: Image.Image,
    engine: Engine | str,
    languages: list[str] | None = None,
    number: int = 1,
    progress: ProgressCallback = _no_progress,
) -> tuple[Image.Image, Page]:
    """Read one page image with `engine`; return the image turned upright and its Page."""
    if isinstance(engine, str):
        engine = load_engine(engine, 1)
    image, fragments, rotation = recognize_upright(image, engine, languages or ["eng"], progress)
    return image, build_page(fragments, number, image.width, image.height, rotation=rotation)
