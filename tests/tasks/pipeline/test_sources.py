"""Turning uploads into pages: PDF text layers, page size caps, TIFF frames, image decoding."""

import base64
import io
import warnings
from pathlib import Path

import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from ocrapp.core.errors import InvalidImage, InvalidPdf, PageTooLarge
from tasks.pipeline.document import Box
from tasks.pipeline.engines.tesseract_engine import resolution_option
from tasks.pipeline.layout import build_page
from tasks.pipeline.sources import MAX_SIDE, decode_image, image_pages, pdf_pages, render_scale
from tasks.pipeline.text_layer import reading_direction
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


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_page_turned_by_its_rotate_is_read_upright_in_order(rotation):
    """A born-digital page given a /Rotate (as a viewer's "rotate" saves it) shows its text
    sideways: the page and its words are turned upright, and read in order."""

    def draw(document):
        document.setPageRotation(rotation)
        document.drawString(30, 260, "First line of the page")
        document.drawString(30, 240, "Second line below it")

    _, pages = pdf_pages(pdf_with(draw), 72, 10**8, force_ocr=False)
    source = next(pages)
    page = build_page(source.text_layer, 1, source.image.width, source.image.height)

    assert page.text == "First line of the page\nSecond line below it"
    assert source.rotation == 360 - rotation  # clockwise, undoing the viewer's turn
    left, top, right, bottom = ink_box(source.image)
    assert right - left > 3 * (bottom - top)  # the lines run across the image, upright
    first = next(word.box for word in source.text_layer if word.text == "First")
    assert abs(first.left - left) <= 3 and abs(first.top - top) <= 3  # boxes turned with it


def test_a_page_whose_rotate_shows_its_text_upright_is_not_turned():
    """A landscape page drawn turned, with a /Rotate that shows it upright, stays so."""

    def draw(document):
        document.setPageRotation(90)
        document.translate(40, 30)
        document.rotate(90)  # runs up the page: across it once the viewer turns it
        document.drawString(0, 0, "Landscape table heading")

    _, pages = pdf_pages(pdf_with(draw), 72, 10**8, force_ocr=False)
    source = next(pages)
    page = build_page(source.text_layer, 1, source.image.width, source.image.height)

    assert page.text == "Landscape table heading"
    left, top, right, bottom = ink_box(source.image)
    assert right - left > 5 * (bottom - top)  # across the image, as the viewer shows it


def test_a_word_hyphenated_at_a_line_end_keeps_its_halves_on_their_lines():
    """pdfium marks such a hyphen with U+FFFE, which XML (hOCR) may not carry, and puts
    no space after it: the halves made one word across both lines."""
    data = text_pdf([["A sentence with a hyphen-", "ated word in it"]])
    _, pages = pdf_pages(data, 72, 10**8, force_ocr=False)
    words = {word.text: word.box for word in next(pages).text_layer}

    assert "hyphen-" in words and "ated" in words
    assert words["hyphen-"].bottom <= words["ated"].top + 2  # one line above the other
    assert not any("\ufffe" in text or "\x02" in text for text in words)


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


def transparent_ink(mode: str) -> bytes:
    """A PNG of black text on clear pixels that are black underneath, in `mode`."""
    ink = page_image(["Black on clear"]).convert("L").point(lambda value: value < 128)
    if mode == "P":  # a palette whose clear entry is black, as the ink's
        image = ink.convert("P")
        image.putpalette([0, 0, 0, 0, 0, 0])
        options = {"transparency": 0}
    else:
        image = Image.merge("LA", (Image.new("L", ink.size, 0), ink.point(lambda on: 255 * on)))
        image, options = image.convert(mode), {}
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparent_parts_of_an_image_are_white_not_black(mode):
    """Converted alone, clear pixels took the colour under them: the page read empty."""
    page = decode_image(transparent_ink(mode)).convert("L")

    assert page.getpixel((0, 0)) == 255
    assert page.getextrema()[0] < 64  # the ink is still there


def test_an_image_longer_than_tesseract_reads_is_scaled_down_to_fit():
    tall = Image.new("L", (40, MAX_SIDE + 3000), 255)
    buffer = io.BytesIO()
    tall.save(buffer, format="PNG", dpi=(300, 300))

    _, pages = image_pages(buffer.getvalue(), max_pixels=10**8)
    page = next(pages)

    assert page.image.height == MAX_SIDE and page.image.width == round(40 * MAX_SIDE / 35767)
    assert page.dpi == pytest.approx(300 * MAX_SIDE / 35767, rel=1e-3)  # PNG keeps dots/m


def test_a_pdf_page_longer_than_tesseract_reads_is_rendered_to_fit():
    scale = render_scale(14400, 100, 300, 10**9)  # a 200-inch strip
    assert 14400 * scale < MAX_SIDE


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


def test_right_to_left_words_do_not_say_the_page_is_upside_down():
    """pdfium gives Hebrew and Arabic in reading order, which runs left on an upright page:
    counted as Latin letters are, such a page was turned upside down."""
    boxes = [Box(300 - 20 * n, 10, 315 - 20 * n, 30) for n in range(4)]  # each left of the last

    assert reading_direction(list("שלום"), boxes) is None
    assert reading_direction(list("ahoy"), boxes) == "left"  # Latin running left: upside down
    assert reading_direction(list("ahoy"), boxes[::-1]) == "right"


HEBREW_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not HEBREW_FONT.exists(), reason="Debian's fonts-dejavu-core draws Hebrew")
def test_an_upright_hebrew_page_is_not_turned():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(HEBREW_FONT)))
    line = "שלום עולם וכל יושביו"

    def draw(document):
        document.setFont("DejaVuSans", 18)
        for number in range(4):  # glyphs left to right in the order the eye reads them
            document.drawString(50, 250 - 40 * number, line[::-1])

    _, pages = pdf_pages(pdf_with(draw), 72, 10**8, force_ocr=False)

    assert next(pages).rotation == 0


@pytest.mark.parametrize(("declared", "told"), [(200, "--dpi 200"), (None, ""), (20, "")])
def test_tesseract_is_told_the_resolution_an_image_declares(declared, told):
    # A PPM carries none: told nothing, Tesseract guessed 400 for a 300 dpi ruled table
    # and lost its whole body (found in review). Nothing declared, or nothing credible:
    # it guesses, as the `tesseract` command does.
    buffer = io.BytesIO()
    options = {"dpi": (declared, declared)} if declared else {}
    Image.new("L", (400, 300), 255).save(buffer, format="PNG", **options)
    page = next(image_pages(buffer.getvalue(), max_pixels=10**8)[1])
    assert resolution_option(page.image.convert("RGB")) == told


def test_tesseract_is_told_the_resolution_a_pdf_page_was_rendered_at():
    page = next(pdf_pages(text_pdf([["Hello layer"]]), 144, 10**8, force_ocr=True)[1])
    assert resolution_option(page.image) == "--dpi 144"
