"""A page's image for the searchable PDF: Group 4 when black and white, else JPEG."""

import io

import pytest
from PIL import Image

from tasks.pipeline.page_images import black_and_white, content_type, encode_page


def test_only_a_page_of_black_and_white_pixels_is_black_and_white():
    page = Image.new("RGB", (40, 30), "white")
    page.paste("black", (0, 0, 10, 10))
    assert black_and_white(page) and black_and_white(page.convert("L"))
    assert black_and_white(page.convert("1"))
    page.putpixel((20, 20), (128, 128, 128))
    assert not black_and_white(page)
    assert not black_and_white(Image.new("RGB", (40, 30), "navy"))
    assert not black_and_white(Image.new("RGBA", (40, 30), "white"))


def test_a_black_and_white_page_is_one_strip_of_group_4_with_its_dpi():
    page = Image.new("RGB", (600, 400), "white")
    page.paste("black", (100, 100, 300, 120))
    picture = encode_page(page, 200)
    tiff = Image.open(io.BytesIO(picture))
    assert tiff.info["compression"] == "group4" and len(tiff.tag_v2[273]) == 1
    assert tiff.info["dpi"] == pytest.approx((200, 200))
    assert tiff.convert("RGB").tobytes() == page.tobytes()
    assert content_type(picture) == "image/tiff"


def test_any_other_page_is_a_jpeg():
    picture = encode_page(Image.new("RGB", (40, 30), (250, 248, 240)), 300)
    assert Image.open(io.BytesIO(picture)).format == "JPEG"
    assert content_type(picture) == "image/jpeg"
