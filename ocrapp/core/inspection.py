"""What an upload is, from its bytes alone: its type, its header and its pages.

Reads hostile input with Pillow and pdfium, so it runs in an inspector process
(`ocrapp.core.inspector`), never in a web process. Imports no database or web framework:
that process starts in a fraction of a second.
"""

import hashlib
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from PIL import Image

from ocrapp.core.errors import EmptyFile, PageTooLarge, TooManyPages, UnsupportedMediaType
from ocrapp.core.page_limits import DECODING_ERRORS, check_pages, check_pixels
from ocrapp.core.pdf_files import open_pdf

# The values of `ocrapp.core.models.FileType`, a StrEnum: equal to its members.
PDF_TYPE, IMAGE_TYPE = "pdf", "image"

# Pillow format name -> (content type, extension) of the images we recognise.
IMAGE_FORMATS = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "TIFF": ("image/tiff", ".tiff"),
    "WEBP": ("image/webp", ".webp"),
    "BMP": ("image/bmp", ".bmp"),
    "GIF": ("image/gif", ".gif"),
}


@dataclass(frozen=True)
class DetectedType:
    file_type: str
    content_type: str
    extension: str
    # An image's (width, height), read from its header.
    size: tuple[int, int] | None = None


PDF = DetectedType(PDF_TYPE, "application/pdf", ".pdf")


@dataclass(frozen=True)
class Inspection:
    """What the web process learns of an upload: its type, its pages and its digest."""

    detected: DetectedType
    pages: int
    sha256: str

    def as_json(self) -> dict:
        """Return it as JSON, as an inspector process answers."""
        return asdict(self)

    @classmethod
    def from_json(cls, answer: dict) -> "Inspection":
        """Read an inspector process's answer."""
        detected = answer["detected"]
        size = detected["size"] and tuple(detected["size"])
        return cls(DetectedType(**{**detected, "size": size}), answer["pages"], answer["sha256"])


def inspect_bytes(data: bytes, max_pixels: int, max_pages: int) -> Inspection:
    """Identify an upload and check its pixels and pages, or refuse it with a domain error."""
    detected = detect_type(data)
    pages = check_size(data, detected, max_pixels, max_pages)
    return Inspection(detected, pages, hashlib.sha256(data).hexdigest())


@contextmanager
def open_header(data: bytes) -> Iterator[Image.Image]:
    """Open an image for its header only; our own pixel cap replaces Pillow's warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
            yield image


def detect_type(data: bytes) -> DetectedType:
    """Identify the upload from its header bytes; pages are decoded by the worker."""
    if not data:
        raise EmptyFile("The uploaded file is empty.")
    if data.startswith(b"%PDF-"):
        return PDF
    try:
        with open_header(data) as image:
            image_format, size = image.format, image.size
    except Image.DecompressionBombError as error:  # Pillow's own limit, not MAX_PAGE_PIXELS
        raise PageTooLarge(
            "The image is over the size limit: its header declares more pixels than a page "
            "may have."
        ) from error
    except DECODING_ERRORS as error:
        supported = ", ".join(IMAGE_FORMATS)
        raise UnsupportedMediaType(
            f"The file is not a PDF or an image of a supported type ({supported})."
        ) from error
    content_type, extension = IMAGE_FORMATS[image_format]
    return DetectedType(IMAGE_TYPE, content_type, extension, size)


def check_size(data: bytes, detected: DetectedType, max_pixels: int, max_pages: int) -> int:
    """Refuse, from its header, an image over `max_pixels` or a file over `max_pages`."""
    if detected.file_type == IMAGE_TYPE:
        check_pixels(*detected.size, max_pixels)
    pages = count_pages(data, detected, max_pages)
    check_pages(pages, max_pages)
    return pages


def count_pages(data: bytes, detected: DetectedType, max_pages: int) -> int:
    """Count the pages of an upload: a PDF's pages, a TIFF's frames (1 if it cannot tell).

    A PDF that pdfium cannot open, even repaired (not a PDF past its header, a broken
    cross-reference table, encrypted, no pages), is refused here, not after a queue wait.
    """
    if detected.file_type == IMAGE_TYPE:
        if detected.extension != ".tiff":
            return 1
        with open_header(data) as image:
            return frame_count(image, max_pages)
    pdf = open_pdf(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def frame_count(image: Image.Image, max_frames: int) -> int:
    """Count a TIFF's frames, refusing it at the first past `max_frames`; 1 if it cannot tell.

    Frame by frame: Pillow's `n_frames` reads every frame of the chain, however long,
    before it answers (16,000 frames of 1x1 pixels took seconds).
    """
    frames = 1
    try:
        while frames <= max_frames:
            image.seek(frames)
            frames += 1
    except EOFError:  # the chain ended
        return frames
    except Exception:  # the worker reads the file again and says what is wrong with it
        return 1
    raise TooManyPages(f"The file has more than {max_frames} pages; the limit is {max_frames}.")
