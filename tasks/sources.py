"""Pages of an uploaded file: images (every frame of a TIFF) and PDF pages.

A PDF page that already has a text layer yields its text, with boxes, and is not OCR'd
unless the request forces OCR (like OCRmyPDF's --skip-text).
"""

import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from tasks.document import Box, Fragment
from tasks.errors import EmptyPdf, EncryptedPdf, InvalidImage, InvalidPdf, PageTooLarge

POINTS_PER_INCH = 72
MIN_DPI = 50  # below this a page is too large to render legibly within the pixel cap


DEFAULT_DPI = 300


@dataclass
class SourcePage:
    """One page to recognise: its image and, for a PDF page with text, that text."""

    number: int
    image: Image.Image
    dpi: float = DEFAULT_DPI
    text_layer: list[Fragment] | None = None


def _dpi(frame: Image.Image) -> float:
    """Return the resolution an image declares, or the usual scan resolution."""
    dpi = frame.info.get("dpi", (DEFAULT_DPI,))[0]
    return float(dpi) if dpi and dpi >= 30 else DEFAULT_DPI


def _rgb(frame: Image.Image) -> Image.Image:
    return ImageOps.exif_transpose(frame).convert("RGB")


def image_pages(data: bytes) -> tuple[int, Iterator[SourcePage]]:
    """Return the page count and pages of an image: every frame of a TIFF, else the first."""
    try:
        image = Image.open(io.BytesIO(data))
        count = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidImage(f"The image could not be decoded: {error}") from error

    def pages() -> Iterator[SourcePage]:
        try:
            for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
                yield SourcePage(number, _rgb(frame), _dpi(frame))
                if number == count:
                    return
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise InvalidImage(f"The image could not be decoded: {error}") from error

    return count, pages()


EMPTY_PAGE_TREE = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+0\b")


def open_pdf(data: bytes):
    """Open a PDF with pdfium, turning its failures into task errors."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        # pdfium's error code is per thread and can be left over from an earlier document,
        # so the reason is read from the file: the trailer names an /Encrypt dictionary.
        if b"/Encrypt" in data:
            raise EncryptedPdf("The PDF is encrypted and no password was given.") from error
        if EMPTY_PAGE_TREE.search(data):
            raise EmptyPdf("The PDF has no pages.") from error
        raise InvalidPdf(f"The PDF could not be read: {error}") from error
    if len(pdf) == 0:
        raise EmptyPdf("The PDF has no pages.")
    return pdf


def render_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """Return the render scale for a page: `dpi`, lowered to fit `max_pixels`."""
    scale = dpi / POINTS_PER_INCH
    fitting = math.sqrt(max_pixels / max(width_pt * height_pt, 1))
    if fitting * POINTS_PER_INCH < MIN_DPI:
        inches = f"{width_pt / POINTS_PER_INCH:.0f}x{height_pt / POINTS_PER_INCH:.0f}"
        raise PageTooLarge(f"A page of {inches} inches is over the size limit.")
    return min(scale, fitting)


def text_layer(page, scale: float, height_pt: float) -> list[Fragment]:
    """Return the page's text runs with their boxes in pixels of the rendered image."""
    textpage = page.get_textpage()
    fragments = []
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        text = textpage.get_text_bounded(left, bottom, right, top).strip()
        if text:
            box = Box(
                round(left * scale),
                round((height_pt - top) * scale),
                round(right * scale),
                round((height_pt - bottom) * scale),
            )
            fragments.append(Fragment(text, 1.0, box))
    return fragments


def pdf_pages(
    data: bytes, dpi: int, max_pixels: int, force_ocr: bool
) -> tuple[int, Iterator[SourcePage]]:
    """Return the page count and the pages of a PDF, rendered at up to `dpi`."""
    pdf = open_pdf(data)

    def pages() -> Iterator[SourcePage]:
        for index in range(len(pdf)):
            page = pdf[index]
            width_pt, height_pt = page.get_size()
            scale = render_scale(width_pt, height_pt, dpi, max_pixels)
            fragments = None if force_ocr else text_layer(page, scale, height_pt)
            image = page.render(scale=scale).to_pil().convert("RGB")
            yield SourcePage(index + 1, image, scale * POINTS_PER_INCH, fragments or None)

    return len(pdf), pages()


def decode_image(data: bytes) -> Image.Image:
    """Return the first page of an image, upright, in RGB."""
    _, pages = image_pages(data)
    return next(pages).image
