"""Page images as JPEG: encoded at one quality, and read back for a PDF (size and colour)."""

import io
import struct

from PIL import Image

JPEG_QUALITY = 80
COLOUR_SPACES = {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}
# Start-of-frame markers (baseline, progressive, ...); C4, C8 and CC are other segments.
FRAME_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length: TEM, the restart markers, start and end of image.
BARE_MARKERS = {0x01, *range(0xD0, 0xDA)}


def page_jpeg(image: Image.Image, dpi: float | None = None) -> bytes:
    """Return page `image` as a JPEG (grey or RGB), recording `dpi` when given."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    resolution = {"dpi": (dpi, dpi)} if dpi is not None else {}
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, **resolution)
    return buffer.getvalue()


def jpeg_frame(data: bytes) -> tuple[int, int, int, bool]:
    """Return the width, height and components of JPEG `data`, and whether Adobe wrote it."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    position, adobe = 2, False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ValueError("JPEG segment expected")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in BARE_MARKERS:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segment = data[position + 4 : position + 2 + length]
        if marker == 0xEE and segment.startswith(b"Adobe"):
            adobe = True
        if marker in FRAME_MARKERS:
            height, width, components = struct.unpack(">xHHB", segment[:6])
            return width, height, components, adobe
        position += 2 + length
    raise ValueError("JPEG without a frame header")


def jpeg_image_entries(data: bytes) -> tuple[str, tuple[int, int]]:
    """Return the image XObject entries that show JPEG `data` unchanged, and its size."""
    width, height, components, adobe = jpeg_frame(data)
    entries = (
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
        f"/ColorSpace {COLOUR_SPACES[components]} /BitsPerComponent 8 /Filter /DCTDecode"
    )
    if components == 4 and adobe:  # Adobe's CMYK JPEGs are stored inverted
        entries += " /Decode [1 0 1 0 1 0 1 0]"
    return entries, (width, height)
