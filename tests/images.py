"""Images with known text, generated for the tests and the benchmark."""

import io

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
