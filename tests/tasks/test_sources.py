"""Turning uploads into pages: PDF text layers, page size caps, TIFF frames."""

import io

import pytest
from reportlab.pdfgen import canvas

from tasks.errors import PageTooLarge
from tasks.sources import image_pages, pdf_pages, render_scale
from tests.documents import page_image, text_pdf, tiff


def test_a_text_layer_comes_with_boxes_in_pixels_of_the_rendered_page():
    count, pages = pdf_pages(text_pdf([["Hello layer"]]), 144, 10**8, force_ocr=False)
    page = next(pages)
    assert count == 1 and page.dpi == 144
    assert (page.image.width, page.image.height) == (800, 600)  # 400 x 300 pt at 2 px/pt
    (fragment,) = page.text_layer
    assert fragment.text == "Hello layer"
    # drawString(30, 260): the baseline 40 pt below the top, the text above it.
    assert 55 <= fragment.box.left <= 65 and fragment.box.top < 80 < fragment.box.bottom <= 90


def test_force_ocr_ignores_the_text_layer():
    _, pages = pdf_pages(text_pdf([["Hello layer"]]), 72, 10**8, force_ocr=True)
    assert next(pages).text_layer is None


def test_a_page_is_rendered_at_a_lower_resolution_to_fit_the_pixel_cap():
    assert render_scale(612, 792, 300, 10**9) == 300 / 72
    scale = render_scale(612, 792, 300, 1_000_000)
    assert 612 * 792 * scale**2 <= 1_000_000


def test_a_page_too_large_even_at_the_lowest_resolution_is_refused():
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=(14400, 14400))  # 200 x 200 inches
    document.drawString(10, 10, "huge")
    document.save()
    _, pages = pdf_pages(buffer.getvalue(), 300, 40_000_000, force_ocr=False)
    with pytest.raises(PageTooLarge) as caught:
        next(pages)
    assert caught.value.code == "page_too_large"


def test_every_frame_of_a_tiff_is_a_page():
    count, pages = image_pages(tiff([page_image(["one"]), page_image(["two"]), page_image(["3"])]))
    assert count == 3
    assert [page.number for page in pages] == [1, 2, 3]
