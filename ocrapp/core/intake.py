"""Uploaded files: their type decided by content, their names made safe to show."""

import hashlib
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image

from ocrapp.core.errors import EmptyFile, PageTooLarge, UnsupportedMediaType
from ocrapp.core.models import File, FileType, new_id
from ocrapp.core.page_limits import DECODING_ERRORS, check_pages, check_pixels
from ocrapp.core.storage import upload_key


@dataclass(frozen=True)
class DetectedType:
    file_type: FileType
    content_type: str
    extension: str
    # An image's, read from its header when its type was: (width, height) and frames.
    size: tuple[int, int] | None = None
    frames: int = 1


# Pillow format name -> (content type, extension) of the images we recognise.
IMAGE_FORMATS = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "TIFF": ("image/tiff", ".tiff"),
    "WEBP": ("image/webp", ".webp"),
    "BMP": ("image/bmp", ".bmp"),
    "GIF": ("image/gif", ".gif"),
}
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


PDF = DetectedType(FileType.PDF, "application/pdf", ".pdf")


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
            image_format, size, frames = image.format, image.size, frame_count(image)
    except Image.DecompressionBombError as error:
        raise PageTooLarge(f"The image is too large: {error}") from error
    except DECODING_ERRORS as error:
        supported = ", ".join(IMAGE_FORMATS)
        raise UnsupportedMediaType(
            f"The file is not a PDF or an image of a supported type ({supported})."
        ) from error
    content_type, extension = IMAGE_FORMATS[image_format]
    return DetectedType(FileType.IMAGE, content_type, extension, size, frames)


def frame_count(image: Image.Image) -> int:
    """Count a TIFF's frames (each a page); 1 for other images, or if it cannot tell."""
    try:
        return getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
    except Exception:  # the worker reads the file again and says what is wrong with it
        return 1


def check_size(data: bytes, detected: DetectedType, max_pixels: int, max_pages: int) -> int:
    """Refuse, from its header, an image over `max_pixels` or a file over `max_pages`."""
    if detected.file_type is FileType.IMAGE:
        check_pixels(*detected.size, max_pixels)
    pages = count_pages(data, detected)
    check_pages(pages, max_pages)
    return pages


def count_pages(data: bytes, detected: DetectedType) -> int:
    """Count the pages of an upload: a PDF's pages, a TIFF's frames; 1 if it cannot tell."""
    if detected.file_type is not FileType.PDF:
        return detected.frames
    try:
        import pypdfium2

        return len(pypdfium2.PdfDocument(data)) or 1
    except Exception:  # the worker reads the file again and says what is wrong with it
        return 1


def inspect_upload(upload, user_id: int, config) -> tuple[File, bytes]:
    """Check an uploaded file by its content; return its (unsaved) row and its bytes."""
    data = upload.read()
    detected = detect_type(data)
    pages = check_size(data, detected, config["MAX_PAGE_PIXELS"], config["MAX_PAGES"])
    file = File(
        id=new_id(),
        user_id=user_id,
        original_filename=clean_filename(upload.filename),
        file_type=detected.file_type,
        content_type=detected.content_type,
        size_bytes=len(data),
        page_count=pages,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    file.stored_filename = file.id + detected.extension
    file.storage_key = upload_key(user_id, file.id, detected.extension)
    return file, data


def clean_filename(filename: str | None) -> str:
    """Keep the last path component of a client's file name, without control characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = UNSAFE_CHARACTERS.sub("", name).strip()
    return name[:255] or "upload"
