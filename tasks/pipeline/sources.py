"""Pages of an uploaded file: images (every frame of a TIFF) and PDF pages.

A PDF page that already has a text layer yields its text, with boxes, and is not OCR'd
unless the request forces OCR (like OCRmyPDF's --skip-text).
"""

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence

from ocrapp.core.errors import InvalidImage, InvalidPdf, PageTooLarge
from ocrapp.core.page_limits import DECODING_ERRORS, check_pixels
from ocrapp.core.pdf_files import open_pdf
from tasks.pipeline.document import Fragment
from tasks.pipeline.text_layer import text_layer

POINTS_PER_INCH = 72
MIN_DPI = 50  # below this a page is too large to render legibly within the pixel cap
# The longest side Tesseract reads (and JPEG can hold); a longer page is scaled down to it.
MAX_SIDE = 32767


DEFAULT_DPI = 300
# The resolutions Tesseract believes when a file declares one (it guesses outside them).
CREDIBLE_DPI = (70, 2400)


@dataclass
class SourcePage:
    """One page to recognise: its image and, for a PDF page with text, that text (and the
    clockwise turn that made both upright)."""

    number: int
    image: Image.Image
    dpi: float = DEFAULT_DPI
    text_layer: list[Fragment] | None = None
    rotation: int = 0


def _dpi(frame: Image.Image) -> float:
    """Return the resolution an image declares, or the usual scan resolution."""
    dpi = frame.info.get("dpi", (DEFAULT_DPI,))[0]
    return float(dpi) if dpi and dpi >= 30 else DEFAULT_DPI


def with_resolution(image: Image.Image, dpi: float | None) -> Image.Image:
    """Record the page's resolution in `image` for the engine, or that it is not known
    (None), as Tesseract reads it from a file: told none, it guesses, and a guess of 400
    for a 300 dpi page lost a ruled table's whole body."""
    image.info.pop("dpi", None)
    if dpi is not None and CREDIBLE_DPI[0] <= dpi <= CREDIBLE_DPI[1]:
        image.info["dpi"] = (dpi, dpi)
    return image


def _upright_rgb(frame: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    """Return a frame upright, in RGB, no side over MAX_SIDE, and its resolution then.

    Transparent parts are white, as a viewer shows them: converted alone, they took the
    colour stored under them, most often black, and the page read as empty.
    """
    frame = ImageOps.exif_transpose(frame)
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        frame = frame.convert("RGBA")
        frame = Image.alpha_composite(Image.new("RGBA", frame.size, "white"), frame)
    frame = frame.convert("RGB")
    if (longest := max(frame.size)) <= MAX_SIDE:
        return frame, dpi
    ratio = MAX_SIDE / longest
    size = (max(1, round(frame.width * ratio)), max(1, round(frame.height * ratio)))
    return frame.resize(size, Image.Resampling.LANCZOS), dpi * ratio


def image_pages(
    data: bytes, max_pixels: int, first: int = 1, last: int | None = None
) -> tuple[int, Iterator[SourcePage]]:
    """Return the page count and pages `first`..`last` of an image: every frame of a TIFF
    (to the last by default), else the first."""
    try:
        image = Image.open(io.BytesIO(data))
        count = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
    except Image.DecompressionBombError as error:
        raise PageTooLarge(f"The image is over the size limit: {error}") from error
    except DECODING_ERRORS as error:
        raise InvalidImage(f"The image could not be decoded: {error}") from error

    def pages() -> Iterator[SourcePage]:
        try:
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                if number >= first:
                    check_pixels(frame.width, frame.height, max_pixels)
                    page, dpi = _upright_rgb(frame, _dpi(frame))
                    declared = frame.info.get("dpi", (None,))[0]
                    told = declared and declared * dpi / _dpi(frame)  # as scaled to fit
                    yield SourcePage(number, with_resolution(page, told), dpi)
                if number == min(count, last or count):
                    return
        except Image.DecompressionBombError as error:
            raise PageTooLarge(f"The image is over the size limit: {error}") from error
        except DECODING_ERRORS as error:
            raise InvalidImage(f"The image could not be decoded: {error}") from error

    return count, pages()


def render_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """Return the render scale for a page: `dpi`, lowered to fit `max_pixels` and MAX_SIDE."""
    scale = dpi / POINTS_PER_INCH
    fitting = min(
        math.sqrt(max_pixels / max(width_pt * height_pt, 1)),
        (MAX_SIDE - 1) / max(width_pt, height_pt, 1),  # pdfium may round a side up
    )
    if fitting * POINTS_PER_INCH < MIN_DPI:
        inches = f"{width_pt / POINTS_PER_INCH:.0f}x{height_pt / POINTS_PER_INCH:.0f}"
        raise PageTooLarge(f"A page of {inches} inches is over the size limit.")
    return min(scale, fitting)


def pdf_pages(
    data: bytes, dpi: int, max_pixels: int, force_ocr: bool, first: int = 1, last: int | None = None
) -> tuple[int, Iterator[SourcePage]]:
    """Return the page count and pages `first`..`last` of a PDF (to the last by default),
    rendered at up to `dpi`; no other page is rendered."""
    import pypdfium2 as pdfium

    pdf = open_pdf(data)

    def render(index: int) -> SourcePage:
        page = pdf[index]
        width_pt, height_pt = page.get_size()
        scale = render_scale(width_pt, height_pt, dpi, max_pixels)
        image = page.render(scale=scale).to_pil().convert("RGB")
        with_resolution(image, scale * POINTS_PER_INCH)
        if force_ocr:
            return SourcePage(index + 1, image, scale * POINTS_PER_INCH)
        image, words, rotation = text_layer(page, image)  # no words: no turn
        return SourcePage(index + 1, image, scale * POINTS_PER_INCH, words or None, rotation)

    def pages() -> Iterator[SourcePage]:
        for index in range(first - 1, min(last or len(pdf), len(pdf))):
            try:
                yield render(index)
            except pdfium.PdfiumError as error:  # a page tree that promises more than it has
                raise InvalidPdf(f"Page {index + 1} of the PDF could not be read.") from error

    return len(pdf), pages()


def decode_image(data: bytes, max_pixels: int = 40_000_000) -> Image.Image:
    """Return the first page of an image, upright, in RGB."""
    _, pages = image_pages(data, max_pixels)
    return next(pages).image
