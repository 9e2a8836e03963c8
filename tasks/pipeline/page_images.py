"""A page's image for the searchable PDF, encoded once: a black-and-white page as CCITT
Group 4 (the fax standard, in a TIFF: on a page of text a tenth to a twentieth of its
JPEG, and sharp), any other page as JPEG. A split task stores each page's image so until
its PDF is assembled, which embeds it as it is."""

import io

from PIL import Image, ImageColor

from tasks.pipeline.jpeg import jpeg_image_entries, page_jpeg

TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
STRIP_OFFSETS, STRIP_BYTE_COUNTS, ROWS_PER_STRIP, PHOTOMETRIC = 273, 279, 278, 262
MIN_IS_WHITE = 0  # TIFF photometric interpretation: a 0 bit is white


def black_and_white(image: Image.Image) -> bool:
    """Whether every pixel of `image` (bilevel, grey or RGB) is black or white."""
    if image.mode not in ("1", "L", "RGB"):
        return False
    colours = image.getcolors(2) or [(0, None)]
    bilevel = {ImageColor.getcolor(name, image.mode) for name in ("black", "white")}
    return all(colour in bilevel for _, colour in colours)


def encode_page(image: Image.Image, dpi: float | None = None) -> bytes:
    """Return page `image` as Group 4 in a TIFF of one strip if it is black and white,
    else as a JPEG; recording `dpi` when given."""
    if not black_and_white(image):
        return page_jpeg(image, dpi)
    buffer = io.BytesIO()
    resolution = {"dpi": (dpi, dpi)} if dpi is not None else {}
    strip = {ROWS_PER_STRIP: image.height}  # one strip: the PDF takes a single G4 stream
    image.convert("1").save(
        buffer, format="TIFF", compression="group4", tiffinfo=strip, **resolution
    )
    return buffer.getvalue()


def image_stream(data: bytes) -> tuple[str, bytes, tuple[int, int]]:
    """Return the image XObject entries and stream that show `encode_page`'s `data`, and
    its size in pixels."""
    if not data.startswith(TIFF_MAGIC):
        entries, size = jpeg_image_entries(data)
        return entries, data, size
    tiff = Image.open(io.BytesIO(data))
    (offset,), (length,) = tiff.tag_v2[STRIP_OFFSETS], tiff.tag_v2[STRIP_BYTE_COUNTS]
    width, height = tiff.size
    # Group 4 codes runs of 0 bits as white: where a 0 bit is black, the PDF's decoding
    # of black and white is swapped back.
    black_is_1 = "false" if tiff.tag_v2.get(PHOTOMETRIC) == MIN_IS_WHITE else "true"
    entries = (
        f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
        "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode "
        f"/DecodeParms << /K -1 /Columns {width} /Rows {height} /BlackIs1 {black_is_1} >>"
    )
    return entries, data[offset : offset + length], (width, height)


def content_type(data: bytes) -> str:
    """Return the media type of `encode_page`'s `data`."""
    return "image/tiff" if data.startswith(TIFF_MAGIC) else "image/jpeg"
