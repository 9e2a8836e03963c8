"""An upload's type from its bytes, and the page limits it is held to, without services."""

import io
import time

import pytest
from PIL import Image

from ocrapp.core.errors import EmptyFile, PageTooLarge, TooManyPages, UnsupportedMediaType
from ocrapp.core.inspection import check_size, detect_type, inspect_bytes
from ocrapp.core.intake import clean_filename
from ocrapp.core.models import FileType
from ocrapp.core.page_limits import check_pages, check_pixels
from tests.documents import text_pdf
from tests.uploads import chained_tiff


def image_bytes(size: tuple[int, int], image_format: str = "PNG", frames: int = 1) -> bytes:
    out = io.BytesIO()
    images = [Image.new("L", size, 255) for _ in range(frames)]
    images[0].save(out, format=image_format, save_all=frames > 1, append_images=images[1:])
    return out.getvalue()


def test_the_type_comes_from_the_bytes():
    assert detect_type(text_pdf([["one"]])).file_type == FileType.PDF
    png = detect_type(image_bytes((30, 20)))
    assert (png.content_type, png.extension, png.size) == ("image/png", ".png", (30, 20))
    tiff = inspect_bytes(image_bytes((10, 10), "TIFF", frames=3), 40_000, 10)
    assert (tiff.detected.content_type, tiff.pages) == ("image/tiff", 3)
    with pytest.raises(UnsupportedMediaType):
        detect_type(b"GIF89a but not really")
    with pytest.raises(EmptyFile):
        detect_type(b"")


def test_one_check_of_pixels_and_pages_for_the_upload_and_the_worker():
    check_pixels(100, 100, 10_000)
    with pytest.raises(PageTooLarge, match="101x100 pixels"):
        check_pixels(101, 100, 10_000)
    check_pages(3, 3)
    with pytest.raises(TooManyPages) as refused:
        check_pages(4, 3)
    assert refused.value.code == "too_many_pages"


def test_the_upload_is_refused_from_its_header_before_anything_is_decoded():
    data = image_bytes((200, 200))
    assert check_size(data, detect_type(data), 40_000, 1) == 1
    with pytest.raises(PageTooLarge):
        check_size(data, detect_type(data), 39_999, 1)
    pdf = text_pdf([["one"], ["two"]])
    with pytest.raises(TooManyPages):
        check_size(pdf, detect_type(pdf), 40_000, 1)


def test_tiff_frames_are_counted_up_to_the_limit_and_no_further():
    assert inspect_bytes(chained_tiff(30), 1, 30).pages == 30
    # Frames past the limit are never read: the broken pointer after the 40th is not seen
    # (a count of every frame would fail on it, and count the file as one page).
    broken_after_limit = chained_tiff(40, last_next=10**8)
    with pytest.raises(TooManyPages, match="more than 30 pages; the limit is 30"):
        inspect_bytes(broken_after_limit, 1, 30)
    long_chain = chained_tiff(16_000)  # Pillow's n_frames took 4 s to count it
    start = time.perf_counter()
    with pytest.raises(TooManyPages):
        inspect_bytes(long_chain, 1, 500)
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # shown as "invoiceexe.pdf"
        ("\u2066scan\u2069\u202a.png\u202c", "scan.png"),
        ("line\u2028break\u2029.png", "linebreak.png"),
        ("tab\there\x85\x9b.png", "tabhere.png"),
    ],
)
def test_file_names_lose_bidirectional_overrides_and_separators(name, shown):
    assert clean_filename(name) == shown
