"""Pages of an uploaded file: images (every frame of a TIFF) and PDF pages.

A PDF page that already has a text layer yields its text, with boxes, and is not OCR'd
unless the request forces OCR (like OCRmyPDF's --skip-text).
"""

import ctypes
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence

from ocrapp.core.errors import InvalidImage, InvalidPdf, PageTooLarge
from ocrapp.core.page_limits import DECODING_ERRORS, check_pixels
from ocrapp.core.pdf_files import open_pdf
from tasks.pipeline.document import Box, Fragment

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
                    yield SourcePage(number, _rgb(frame), _dpi(frame))
                if number == min(count, last or count):
                    return
        except Image.DecompressionBombError as error:
            raise PageTooLarge(f"The image is over the size limit: {error}") from error
        except DECODING_ERRORS as error:
            raise InvalidImage(f"The image could not be decoded: {error}") from error

    return count, pages()


def render_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """Return the render scale for a page: `dpi`, lowered to fit `max_pixels`."""
    scale = dpi / POINTS_PER_INCH
    fitting = math.sqrt(max_pixels / max(width_pt * height_pt, 1))
    if fitting * POINTS_PER_INCH < MIN_DPI:
        inches = f"{width_pt / POINTS_PER_INCH:.0f}x{height_pt / POINTS_PER_INCH:.0f}"
        raise PageTooLarge(f"A page of {inches} inches is over the size limit.")
    return min(scale, fitting)


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


def text_layer(page, size: tuple[int, int]) -> list[Fragment]:
    """Return the page's words, with boxes in pixels of the image rendered at `size`.

    Words are built from characters, so that tight line spacing cannot mix two lines.
    """
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    if len(text) != textpage.count_chars():  # index-aligned text is the normal case
        text = "".join(textpage.get_text_range(i, 1) for i in range(textpage.count_chars()))
    words, letters, box = [], [], None
    for index, character in enumerate([*text, " "]):
        if character.isspace() or character == "\x00":
            if letters:
                words.append(Fragment("".join(letters), 1.0, box))
            letters, box = [], None
            continue
        char_box = _device_box(page, size, *textpage.get_charbox(index, loose=True))
        letters.append(character)
        box = char_box if box is None else box.union(char_box)
    return words


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
        fragments = None if force_ocr else text_layer(page, image.size)
        return SourcePage(index + 1, image, scale * POINTS_PER_INCH, fragments or None)

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
