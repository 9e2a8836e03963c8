"""The limits on a file's pages, checked alike at upload and by the worker."""

import struct

from PIL import UnidentifiedImageError

from ocrapp.core.errors import PageTooLarge, TooManyPages

# Pillow reports a broken image with any of these (`make fuzz` found SyntaxError for a
# broken PNG chunk and TypeError for a TIFF without dimensions).
DECODING_ERRORS = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    TypeError,
    KeyError,
    IndexError,
    struct.error,
)


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """Refuse a page of more than `max_pixels`, from its header, before decoding it."""
    if width * height > max_pixels:
        raise PageTooLarge(
            f"An image of {width}x{height} pixels is over the limit of {max_pixels} pixels."
        )


def check_pages(pages: int, max_pages: int) -> None:
    """Refuse a file of more than `max_pages` pages."""
    if pages > max_pages:
        raise TooManyPages(f"The file has {pages} pages; the limit is {max_pages}.")
