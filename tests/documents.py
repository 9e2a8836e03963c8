"""PDFs and multi-page images with known text, generated for the tests and the benchmark."""

import base64
import io

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tests.images import text_image

DPI = 300


def page_image(lines: list[str], size: int = 40) -> Image.Image:
    """A page-like image of `lines`, as a scanner would give it."""
    return Image.open(io.BytesIO(text_image(lines, size=size))).convert("RGB")


PROSE = [
    "For most of my working life I have carried a small notebook in my coat",
    "pocket. It is not a diary, and I rarely read it again once it is full. Its",
    "purpose is simpler than that: it gives a thought somewhere to land before",
    "it is lost, the way a shelf by the front door catches keys that would",
    "otherwise end up in a drawer. The habit began on a train, when I overheard",
    "two strangers arguing about whether a tomato is a fruit. The argument was",
    "not interesting, but the way one of them kept returning to his mother's",
    "kitchen was. I wanted to remember the phrase he used, and I had nothing",
]


def tilted(image: Image.Image, degrees: float) -> Image.Image:
    """The page as a scanner gives it when the sheet went in turned `degrees` anticlockwise."""
    return image.rotate(degrees, Image.Resampling.BILINEAR, expand=True, fillcolor="white")


def two_column_image(left: list[str], right: list[str], size: int = 40) -> Image.Image:
    """Two columns of lines side by side, a wide gutter between them."""
    font = ImageFont.load_default(size=size)
    column = max(int(font.getlength(line)) for line in left + right)
    image = Image.new(
        "RGB", (2 * column + 5 * size, (max(len(left), len(right)) + 1) * size * 2), "white"
    )
    draw = ImageDraw.Draw(image)
    for x, lines in ((size, left), (column + 4 * size, right)):
        for number, line in enumerate(lines):
            draw.text((x, size + number * int(size * 1.6)), line, fill="black", font=font)
    return image


def image_pdf(images: list[Image.Image], image_format: str = "PNG") -> bytes:
    """A scanned document: each image a page at 300 dpi, with no text layer."""
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer)
    for image in images:
        width, height = image.width * 72 / DPI, image.height * 72 / DPI
        document.setPageSize((width, height))
        encoded = io.BytesIO()
        image.save(encoded, format=image_format)
        document.drawImage(ImageReader(encoded), 0, 0, width, height)
        document.showPage()
    document.save()
    return buffer.getvalue()


def text_pdf(pages: list[list[str]], **options) -> bytes:
    """A born-digital PDF: each page's lines as real text."""
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=(400, 300), **options)
    for lines in pages:
        for number, line in enumerate(lines):
            document.drawString(30, 260 - number * 20, line)
        document.showPage()
    document.save()
    return buffer.getvalue()


def printed_page(lines: list[str]) -> Image.Image:
    """A printed page of `lines` at 300 dpi, in Helvetica (accents and umlauts too)."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(text_pdf([lines]))[0]
    return page.render(scale=DPI / 72).to_pil().convert("RGB")


def empty_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


def tiff(images: list[Image.Image], **options) -> bytes:
    """A multi-page TIFF of `images`."""
    buffer = io.BytesIO()
    images[0].save(
        buffer, format="TIFF", save_all=True, append_images=images[1:], dpi=(DPI, DPI), **options
    )
    return buffer.getvalue()


def huge_page_pdf(points: float = 14_400) -> bytes:
    """A one-page PDF whose page is `points` wide and high (14,400: 200 inches, the most)."""
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=(points, points))
    document.drawString(30, 30, "a very large page")
    document.showPage()
    document.save()
    return buffer.getvalue()


def broken_xref_pdf(lines: list[str]) -> bytes:
    """A text PDF whose cross-reference offset points at the wrong place."""
    data = text_pdf([lines])
    head, _, tail = data.rpartition(b"startxref\n")
    return head + b"startxref\n" + b"12" + tail[tail.index(b"\n") :]


def unrepairable_pdf(lines: list[str]) -> bytes:
    """A text PDF whose cross-reference offset is wrong and whose trailer names no catalog:
    nothing to rebuild it from."""
    return broken_xref_pdf(lines).replace(b"/Root", b"/Roof")


# Found by `make fuzz`: a page tree that says /Count 5 but lists no pages. pdfium opens it,
# so the upload is taken; its first page cannot be rendered.
PAGE_TREE_LIES = base64.b64decode(
    "JVBERi0xLjQKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyAvUGFnZXMgMiAwIFIgPj4KZW5kb2JqCjIgMCBvYmoK"
    "PDwgL1R5cCtlIC9QYWdlcyAvS2lkcyBbXSAvQ291bnQgNSA+PgplbmRvYmoKeHJlZgowIDMKMDAwMDAwMDAwMCA2"
    "NTUzNSBmMDAwMDkgMDAwMDAgbiAKMDAwMDAwMDAyOSAwMDAwMDggMDAwMDAgbiAKdHJhaWxlcgo8PCAvU2l6ZSAz"
    "IC9Sb290IDEgMCBSID4+CnN0YXJ0eHJlZhowRTElCiUxT0YK"
)
