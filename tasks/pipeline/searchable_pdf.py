"""A searchable PDF written page by page: each page image with its words as invisible text.

Each page's image, content and page object go to the file as the page is added, so the
writer's memory does not grow with the number of pages (reportlab kept every image until
the end). The words are drawn in a glyphless font (tesseract's pdf.ttf, Apache-2.0: one
empty glyph, half an em wide) whose ToUnicode map gives copy and search their characters.
"""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tasks.pipeline.document import Line, Page
from tasks.pipeline.page_images import image_stream
from tasks.pipeline.pdf_objects import PdfObjectWriter

INVISIBLE = 3  # PDF text render mode: neither fill nor stroke
GLYPH_WIDTH = 0.5  # of the font size: every glyph of the glyphless font
FONT_FILE = Path(__file__).with_name("glyphless.ttf")
MAX_CODE = 0xFFFF  # two-byte codes (Identity-H); characters beyond share U+FFFD's
CMAP_HEADER = (
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
)
CMAP_FOOTER = "endcmap\nCMapName currentdict /CIDInit /ProcSet findresource pop\nend\nend\n"


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class SearchablePdfWriter:
    """Write a searchable PDF to `target`: a path, a binary file, or a temporary file."""

    def __init__(self, target: str | os.PathLike | BinaryIO | None = None) -> None:
        # The writer owns the file and closes it (close, finish or leaving its `with`).
        if target is None:
            target = tempfile.NamedTemporaryFile(prefix="ocrapp-", suffix=".pdf")  # noqa: SIM115
        elif isinstance(target, str | os.PathLike):
            target = open(target, "w+b")  # noqa: SIM115
        self.file = target
        self.objects = PdfObjectWriter(self.file)
        self.catalog, self.page_tree, self.font = (self.objects.reserve() for _ in range(3))
        self.page_objects: list[int] = []
        self.codes: dict[str, int] = {}  # each character's two-byte code, from 1 on
        self.ended = False

    def __enter__(self) -> "SearchablePdfWriter":
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self.close()
        else:
            self.file.close()  # an unfinished PDF: no trailer that would make it look whole

    def add_page(self, picture: bytes, page: Page, dpi: float) -> None:
        """Write page image `picture` (`encode_page`'s) at `dpi` with the words of `page`
        (boxes in its pixels)."""
        entries, stream, (width, height) = image_stream(picture)
        image = self.objects.add_stream(entries, stream, compress=False)
        width_pt, height_pt = width * 72 / dpi, height * 72 / dpi
        scale = (width_pt / (page.width or width), height_pt / (page.height or height))
        content = [f"q {_number(width_pt)} 0 0 {_number(height_pt)} 0 0 cm /Im0 Do Q"]
        content += ["BT", f"{INVISIBLE} Tr"]
        content += [part for line in page.lines for part in self._line(line, height_pt, scale)]
        content.append("ET")
        contents = self.objects.add_stream("", "\n".join(content).encode("latin-1"))
        self.page_objects.append(
            self.objects.add(
                f"<< /Type /Page /Parent {self.page_tree} 0 R "
                f"/MediaBox [0 0 {_number(width_pt)} {_number(height_pt)}] "
                f"/Resources << /XObject << /Im0 {image} 0 R >> /Font << /F1 {self.font} 0 R >> >> "
                f"/Contents {contents} 0 R >>"
            )
        )

    def _line(self, line: Line, height_pt: float, scale: tuple[float, float]) -> list[str]:
        """Return the text operators of `line`: its words on the line's baseline and height.

        A word but the last carries a space stretched over the gap to the next word, so that
        a copied line has its spaces and a selection runs on without holes.
        """
        size = max(line.box.height * scale[1], 1)
        baseline = height_pt - line.box.bottom * scale[1]
        operators, words = [f"/F1 {_number(size)} Tf"], line.words
        for index, word in enumerate(words):
            following = words[index + 1] if index + 1 < len(words) else None
            text = word.text + (" " if following else "")
            if not text:
                continue
            right = following.box.left if following else word.box.right
            width = max(right, word.box.right) - word.box.left
            stretch = 100 * width * scale[0] / (len(text) * GLYPH_WIDTH * size)
            operators.append(
                f"{_number(stretch)} Tz 1 0 0 1 {_number(word.box.left * scale[0])} "
                f"{_number(baseline)} Tm <{self._encode(text)}> Tj"
            )
        return operators

    def _encode(self, text: str) -> str:
        """Return `text` as hexadecimal two-byte codes, giving new characters new codes."""
        codes = []
        for character in text:
            if character not in self.codes:
                if len(self.codes) >= MAX_CODE - 1:
                    character = "\ufffd"
                self.codes.setdefault(character, len(self.codes) + 1)
            codes.append(f"{self.codes[character]:04X}")
        return "".join(codes)

    def close(self) -> None:
        """Write the font, the page tree and the cross-reference table; close the file."""
        if not self.ended:
            self._write_end()
        self.file.close()

    @contextlib.contextmanager
    def finished(self) -> Iterator[Path]:
        """End the PDF and give the path of its file (a file target needs a name); close it
        after, which removes a temporary one."""
        if not self.ended:
            self._write_end()
        try:
            yield Path(self.file.name)
        finally:
            self.file.close()

    def _write_end(self) -> None:
        self._write_font()
        kids = " ".join(f"{number} 0 R" for number in self.page_objects)
        self.objects.write(
            self.page_tree, f"<< /Type /Pages /Kids [{kids}] /Count {len(self.page_objects)} >>"
        )
        self.objects.write(self.catalog, f"<< /Type /Catalog /Pages {self.page_tree} 0 R >>")
        self.objects.finish(self.catalog)
        self.file.flush()
        self.ended = True

    def _write_font(self) -> None:
        """Write the glyphless font, each code drawn by its one glyph, read as its character."""
        data = FONT_FILE.read_bytes()
        font_file = self.objects.add_stream(f"/Length1 {len(data)}", data)
        descriptor = self.objects.add(
            "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
            "/FontBBox [0 0 500 1000] /ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 "
            f"/StemV 80 /FontFile2 {font_file} 0 R >>"
        )
        glyphs = self.objects.add_stream("", b"\x00\x00" + b"\x00\x01" * len(self.codes))
        cid_font = self.objects.add(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {descriptor} 0 R /DW {int(GLYPH_WIDTH * 1000)} "
            f"/CIDToGIDMap {glyphs} 0 R >>"
        )
        to_unicode = self.objects.add_stream("", self._to_unicode().encode("latin-1"))
        self.objects.write(
            self.font,
            "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>",
        )

    def _to_unicode(self) -> str:
        """Return the CMap from each code to its character (UTF-16BE), a hundred a block."""
        pairs = [
            f"<{code:04X}> <{character.encode('utf-16-be').hex().upper()}>"
            for character, code in self.codes.items()
        ]
        blocks = [
            f"{len(pairs[i : i + 100])} beginbfchar\n"
            + "\n".join(pairs[i : i + 100])
            + "\nendbfchar\n"
            for i in range(0, len(pairs), 100)
        ]
        return CMAP_HEADER + "".join(blocks) + CMAP_FOOTER
