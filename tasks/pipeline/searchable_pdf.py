"""A searchable PDF: each page image with its recognised words as invisible text on top."""

import io
import tempfile

from PIL import Image
from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from tasks.pipeline.document import Page

FONT = "Helvetica"
# Page images go into the PDF as binary, not ASCII85 text: reportlab's pure-Python
# encoder took 0.2 s a page, and the file is a quarter smaller.
rl_config.useA85 = 0
INVISIBLE = 3  # PDF text render mode: neither fill nor stroke


class SearchablePdf:
    """Build the PDF a page at a time, so that page images need not stay in memory."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pageCompression=1)

    def add_page(self, image: Image.Image, page: Page, dpi: float) -> None:
        """Add `image` at `dpi` with the words of `page` (boxes in its pixels) over it."""
        points = 72 / dpi
        width, height = image.width * points, image.height * points
        self.canvas.setPageSize((width, height))
        # Handed over as a file, reportlab embeds the JPEG as it is; from memory it decodes
        # it again to fingerprint its pixels (an eighth of a Tesseract page's time). The
        # fingerprint is then the file's name: unique, so no page takes another's image.
        with tempfile.NamedTemporaryFile(suffix=".jpg") as jpeg:
            image.save(jpeg, format="JPEG", quality=80)
            jpeg.flush()
            self.canvas.drawImage(jpeg.name, 0, 0, width, height)
        text = self.canvas.beginText()
        text.setTextRenderMode(INVISIBLE)
        for word in page.words:
            size = max(word.box.height * points * 0.8, 1)
            natural = stringWidth(word.text, FONT, size)
            text.setFont(FONT, size)
            text.setHorizScale(100 * word.box.width * points / natural if natural else 100)
            text.setTextOrigin(word.box.left * points, height - word.box.bottom * points)
            text.textOut(word.text)
        self.canvas.drawText(text)
        self.canvas.showPage()

    def finish(self) -> bytes:
        """Return the finished PDF."""
        self.canvas.save()
        return self.buffer.getvalue()
