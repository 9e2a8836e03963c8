"""Images with known text, generated for the tests and the benchmark."""

import io
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont


def text_image(lines: list[str], image_format: str = "PNG", size: int = 40) -> bytes:
    """Render `lines` in black on white and return the encoded image."""
    font = ImageFont.load_default(size=size)
    width = max(int(font.getlength(line)) for line in lines) + 2 * size
    height = (len(lines) + 1) * size * 2
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((size, size + number * size * 2), line, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def corrupt_png() -> bytes:
    """Return a PNG whose header is intact but whose pixel data is cut off."""
    data = text_image(["this image is broken"])
    return data[: len(data) // 2]


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` x `height` pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)


def blank_image(width: int, height: int, image_format: str = "PNG", **options) -> bytes:
    """A white image of any size, a few kilobytes once compressed."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format=image_format, **options)
    return buffer.getvalue()
