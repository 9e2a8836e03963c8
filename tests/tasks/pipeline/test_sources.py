"""Turning uploads into pages: PDF text layers, page size caps, TIFF frames, image decoding."""

import base64
import io
import warnings
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from ocrapp.core.errors import InvalidImage, InvalidPdf, PageTooLarge
from tasks.pipeline.sources import decode_image, image_pages, pdf_pages, render_scale
from tests.documents import PAGE_TREE_LIES, huge_page_pdf, page_image, text_pdf, tiff
from tests.images import corrupt_png


def test_a_text_layer_comes_with_boxes_in_pixels_of_the_rendered_page():
    count, pages = pdf_pages(text_pdf([["Hello layer"]]), 144, 10**8, force_ocr=False)
    page = next(pages)
    assert count == 1 and page.dpi == 144
    assert (page.image.width, page.image.height) == (800, 600)  # 400 x 300 pt at 2 px/pt
    hello, layer = page.text_layer
    assert (hello.text, layer.text) == ("Hello", "layer")
    # drawString(30, 260): the baseline 40 pt below the top, the text above it.
    assert 55 <= hello.box.left <= 65 and hello.box.top < 80 <= hello.box.bottom <= 90
    assert hello.box.right < layer.box.left


def pdf_with(draw, pagesize=(400, 300)) -> bytes:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=pagesize)
    draw(document)
    document.save()
    return buffer.getvalue()


def ink_box(image):
    """The box of the dark pixels of a rendered page."""
    return image.convert("L").point(lambda value: 255 if value < 128 else 0).getbbox()


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_text_layer_boxes_follow_a_rotated_page(rotation):
    def draw(document):
        document.setPageRotation(rotation)
        document.drawString(30, 260, "Turned")

    _, pages = pdf_pages(pdf_with(draw), 72, 10**8, force_ocr=False)
    page = next(pages)
    (word,) = page.text_layer
    left, top, right, bottom = ink_box(page.image)
    assert word.box.left <= left + 2 and word.box.right >= right - 2
    assert word.box.top <= top + 2 and word.box.bottom >= bottom - 2


def test_text_layer_boxes_follow_a_crop_box():
    def draw(document):
        document.setCropBox((100, 50, 400, 300))
        document.drawString(130, 260, "Cropped")

    _, pages = pdf_pages(pdf_with(draw), 72, 10**8, force_ocr=False)
    page = next(pages)
    (word,) = page.text_layer
    left, top, _, _ = ink_box(page.image)
    assert page.image.size == (300, 250)
    assert abs(word.box.left - left) <= 2 and abs(word.box.top - top) <= 3


def test_tight_line_spacing_keeps_lines_apart():
    def draw(document):
        text = document.beginText(30, 260)
        text.setFont("Helvetica", 12)
        text.setLeading(10)
        text.textLines("Alpha beta gamma\nDelta epsilon zeta\nEta theta iota")
        document.drawText(text)

    _, pages = pdf_pages(pdf_with(draw), 72, 10**8, force_ocr=False)
    words = [fragment.text for fragment in next(pages).text_layer]
    assert words == ["Alpha", "beta", "gamma", "Delta", "epsilon", "zeta", "Eta", "theta", "iota"]


def test_force_ocr_ignores_the_text_layer():
    _, pages = pdf_pages(text_pdf([["Hello layer"]]), 72, 10**8, force_ocr=True)
    assert next(pages).text_layer is None


def test_a_page_is_rendered_at_a_lower_resolution_to_fit_the_pixel_cap():
    assert render_scale(612, 792, 300, 10**9) == 300 / 72
    scale = render_scale(612, 792, 300, 1_000_000)
    assert 612 * 792 * scale**2 <= 1_000_000


def test_a_page_too_large_even_at_the_lowest_resolution_is_refused():
    _, pages = pdf_pages(huge_page_pdf(), 300, 40_000_000, force_ocr=False)
    with pytest.raises(PageTooLarge) as caught:
        next(pages)
    assert caught.value.code == "page_too_large"


def test_an_image_over_the_pixel_cap_is_refused_before_decoding():
    data = tiff([page_image(["small"]), page_image(["large"]).resize((4000, 3000))])
    _, pages = image_pages(data, max_pixels=10_000_000)
    assert next(pages).number == 1
    with pytest.raises(PageTooLarge):
        next(pages)


def test_every_frame_of_a_tiff_is_a_page():
    images = [page_image(["one"]), page_image(["two"]), page_image(["3"])]
    count, pages = image_pages(tiff(images), max_pixels=10**8)
    assert count == 3
    assert [page.number for page in pages] == [1, 2, 3]


def test_a_page_that_cannot_be_loaded_is_a_clear_pdf_error():
    _, pages = pdf_pages(PAGE_TREE_LIES, 72, 10**8, force_ocr=False)
    with pytest.raises(InvalidPdf) as caught:
        list(pages)
    assert caught.value.code == "pdf_invalid"


# Found by `make fuzz`: a PNG whose chunk is broken, which Pillow reports as SyntaxError.
BROKEN_PNG_CHUNK = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAABQUlEQVR4nO3XMYqDQBiGYWddtExjQIj9VLY2llaWHiF3SGdnZ28llhYpvYE3sFCCyICHEK0CM1ssKxKM/ywx7Bb/W8lHBh80jUQIofynPv4a8BiCoBAEhSAoBEEhCApBULKguq7jOG6a5q0aRRI0jqPrusfj8XA4vBukCIm6rtM0TeaXrycF8jyPEEIpzfNc1/XvsW3b+fp8PlNKKaWWZRFCNsZ9QPO9l4jl9VwQBJfLRWZ81ueObz/Lsr7vr9crOL76H1p9QlVVLZ8QY8wwjNvttjy4Om73OxBjjBDCORdCFEUxg+73u+M4SZIsT62OO4OmadJ1vSxLznkQBDMoDEPf9x9OrY47g4QQaZqapmnbdhRF86iq6ul0oj8Nw/BsBCMCv8u2QxAUgqAQBIUgKARBIQgKiVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAABQUlEQVR4nO3XMYqDQBiGYWddtExjQIj9VLY2llaWHiF3SGdnZ28llhYpvYE3sFCCyICHEK0CM1ssKxKM/yww7Bb/W8lHBh80jUQIofynPv4a8BiCoBAEhSAoBEEhCApBULKguq7jOG6a5q0aRRI0jqPrusfj8XA4vBukCIm6rtM0TeaXrycF8jyPEEIpzfNc1/XvsW3b+fp8PlNKKaWWZRFCNsZ9QPO9l4jl9VwQBJfLRWZ81ueObz/Lsr7vr9crOL76H1p9QlVVLZ8QY8wwjNvttjy4Om73OxBjjBDCORdCFEUxg+73u+M4SZIsT62OO4OmadJ1vSxLznkQBDMoDEPf9x9OrY47g4QQaZqapmnbdhRF86iq6ul0oj8Nw/BsBCMCv8u2QxAUgqAQBIUgKARBIQgKQVAIgkIQFIKgEAT1BcCvbRBmVztPAAAAQVAIgkIQFIKgEAT1BcCvbRBmGTtPAAAAAEkASUVORU5ErkSuQmCCQmCC"
)


def test_a_png_with_a_broken_chunk_is_an_invalid_image():
    _, pages = image_pages(BROKEN_PNG_CHUNK, 10**8)
    with pytest.raises(InvalidImage):
        list(pages)


def test_a_tiff_without_dimensions_is_an_invalid_image():
    """Found by `make fuzz`: Pillow raises TypeError for it."""
    data = (Path(__file__).parent / "tiff_missing_dimensions.bin").read_bytes()
    with pytest.raises(InvalidImage), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow: "Corrupt EXIF data"
        list(image_pages(data, 10**8)[1])


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    image = decode_image(buffer.getvalue())
    red, _, blue = image.getpixel((0, 0))
    assert red > 200 and blue < 50


def test_corrupt_image_is_an_invalid_image_error():
    with pytest.raises(InvalidImage) as caught:
        decode_image(corrupt_png())
    assert caught.value.code == "invalid_image"
