"""The page JPEG: one encoder for the searchable PDF and a split page's stored image."""

import io

import pytest
from PIL import Image

from tasks.pipeline.jpeg import jpeg_frame, page_jpeg


def test_page_jpeg_takes_any_mode_at_the_quality_of_old():
    for mode in ("RGBA", "P", "1", "CMYK"):
        data = page_jpeg(Image.new(mode, (40, 30)))
        assert jpeg_frame(data)[:3] == (40, 30, 3)
    assert jpeg_frame(page_jpeg(Image.new("L", (40, 30))))[:3] == (40, 30, 1)
    with pytest.raises(ValueError):
        jpeg_frame(b"\x89PNG\r\n")


def test_page_jpeg_records_the_dpi_only_when_given():
    with_dpi = Image.open(io.BytesIO(page_jpeg(Image.new("RGB", (40, 30)), 150)))
    assert with_dpi.info["dpi"] == pytest.approx((150, 150))
    assert "dpi" not in Image.open(io.BytesIO(page_jpeg(Image.new("RGB", (40, 30))))).info
