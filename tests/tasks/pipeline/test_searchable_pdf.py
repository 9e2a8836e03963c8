"""The searchable PDF, read back by pypdf, pikepdf and pdfium; its writer's memory bounded."""

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from bench.bench_searchable_pdf import noise_jpeg, sample_page, writer_growth
from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.jpeg import page_jpeg
from tasks.pipeline.layout import build_page
from tasks.pipeline.page_images import encode_page
from tasks.pipeline.searchable_pdf import SearchablePdfWriter

MB = 1024 * 1024


def page_of(lines: list[str], width: int = 800, height: int = 600, number: int = 1):
    """A page of `lines`, one under the other, each word 40 px high."""
    fragments = [
        Fragment(text, 0.9, Box(100, 100 + 60 * n, 100 + 25 * len(text), 140 + 60 * n))
        for n, text in enumerate(lines)
    ]
    return build_page(fragments, number, width, height)


def write_pdf(path, pages, dpi: float = 300) -> None:
    with SearchablePdfWriter(path) as pdf:
        for page in pages:
            image = Image.new("RGB", (page.width, page.height), "white")
            pdf.add_page(page_jpeg(image), page, dpi)


def test_pypdf_and_pikepdf_read_every_page_at_its_size(tmp_path):
    path = tmp_path / "out.pdf"
    write_pdf(path, [page_of(["one"], 800, 600), page_of(["two"], 600, 900, number=2)], dpi=200)
    reader = pypdf.PdfReader(path, strict=True)
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages] == [
        (800 * 72 / 200, 600 * 72 / 200),
        (600 * 72 / 200, 900 * 72 / 200),
    ]
    with pikepdf.open(path) as document:
        assert len(document.pages) == 2
        assert document.check_pdf_syntax() == []


def test_the_words_are_found_in_reading_order_with_their_spaces(tmp_path):
    path = tmp_path / "out.pdf"
    write_pdf(path, [page_of(["Invoice total", "<42> & due (now)"]), page_of(["second page"])])
    texts = [page.extract_text() for page in pypdf.PdfReader(path).pages]
    assert texts == ["Invoice total\n<42> & due (now)", "second page"]
    layer = pdfium.PdfDocument(path)[0].get_textpage().get_text_range()
    assert layer.split() == ["Invoice", "total", "<42>", "&", "due", "(now)"]


def test_accents_dashes_and_other_scripts_survive_copy(tmp_path):
    lines = ["Café Straße — naïve", "Счёт 東京 \U0001d518nicode \U0001f600"]
    path = tmp_path / "out.pdf"
    write_pdf(path, [page_of(lines, width=1200)])
    assert pypdf.PdfReader(path).pages[0].extract_text().splitlines() == lines
    assert pdfium.PdfDocument(path)[0].get_textpage().get_text_range().splitlines() == lines


def test_each_word_lies_over_its_box(tmp_path):
    path = tmp_path / "out.pdf"
    write_pdf(path, [page_of(["Invoice"])], dpi=72)  # a point a pixel
    text_page = pdfium.PdfDocument(path)[0].get_textpage()
    first, last = text_page.get_charbox(0), text_page.get_charbox(len("Invoice") - 1)
    # pdfium reads the glyph's height from the font file: a point more than its em
    assert (first[0], last[2]) == pytest.approx((100, 100 + 25 * 7), abs=1.5)  # left, right
    assert (first[1], first[3]) == pytest.approx((600 - 140, 600 - 100), abs=1.5)  # bottom, top


def test_the_page_jpeg_is_embedded_as_it_is_and_the_text_is_invisible(tmp_path):
    jpeg = page_jpeg(Image.new("L", (300, 200), 200))
    path = tmp_path / "out.pdf"
    with SearchablePdfWriter(path) as pdf:
        pdf.add_page(jpeg, page_of(["gray"], 300, 200), 300)
    with pikepdf.open(path) as document:
        page = document.pages[0]
        image = page.Resources.XObject.Im0
        assert image.read_raw_bytes() == jpeg and image.ColorSpace == "/DeviceGray"
        assert b"3 Tr" in page.Contents.read_bytes()


def test_a_black_and_white_page_is_embedded_as_group_4_black_where_it_is_black(tmp_path):
    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 120, 80), fill="black")
    picture = encode_page(image, 100)
    path = tmp_path / "out.pdf"
    with SearchablePdfWriter(path) as pdf:
        pdf.add_page(picture, page_of(["ink"], 400, 200), 100)
    with pikepdf.open(path) as document:
        embedded = document.pages[0].Resources.XObject.Im0
        assert embedded.Filter == "/CCITTFaxDecode" and embedded.BitsPerComponent == 1
        decoded = pikepdf.PdfImage(embedded).as_pil_image().convert("L")
    rendered = pdfium.PdfDocument(path)[0].render(scale=100 / 72).to_pil().convert("L")
    for shown in (decoded, rendered):
        assert shown.size == (400, 200)
        assert (shown.getpixel((70, 50)), shown.getpixel((300, 150))) == (0, 255)
    assert len(picture) * 5 < len(page_jpeg(image))


def test_finished_gives_the_temporary_file_then_removes_it():
    pdf = SearchablePdfWriter()
    pdf.add_page(page_jpeg(Image.new("RGB", (80, 60))), page_of(["x"], 80, 60), 300)
    with pdf.finished() as path:
        assert len(pypdf.PdfReader(path).pages) == 1
    assert not path.exists()


def test_a_writer_left_by_an_error_writes_no_trailer(tmp_path):
    path = tmp_path / "out.pdf"
    with pytest.raises(RuntimeError), SearchablePdfWriter(path) as pdf:
        pdf.add_page(page_jpeg(Image.new("RGB", (80, 60))), page_of(["x"], 80, 60), 300)
        raise RuntimeError("the task stopped")
    assert pdf.file.closed and b"%%EOF" not in path.read_bytes()


def test_the_font_maps_each_code_to_its_character(tmp_path):
    path = tmp_path / "out.pdf"
    write_pdf(path, [page_of(["ab", "ba"])])
    with pikepdf.open(path) as document:
        font = document.pages[0].Resources.Font.F1
        cmap = font.ToUnicode.read_bytes().decode()
        assert "2 beginbfchar" in cmap and "<0001> <0061>" in cmap and "<0002> <0062>" in cmap
        descendant = font.DescendantFonts[0]
        assert descendant.CIDToGIDMap.read_bytes() == b"\x00\x00" + b"\x00\x01" * 2
        assert descendant.FontDescriptor.FontFile2.read_bytes()[:4] == b"\x00\x01\x00\x00"


def test_the_writer_memory_does_not_grow_with_the_pages(tmp_path, record_property):
    """200 pages of about 1 MB: the writer keeps none of them. (reportlab kept them all: its
    600 MB are measured by `make bench`, not here, where other tests share the machine.)"""
    jpeg, page, pages = noise_jpeg(), sample_page(1250), 200
    assert len(jpeg) > 0.9 * MB
    new = writer_growth(jpeg, page, pages, str(tmp_path / "new.pdf"))
    record_property("writer_growth_mb", round(new / MB, 2))
    assert new < 40 * MB  # a fifth of the pages' 200 MB
    assert len(pypdf.PdfReader(tmp_path / "new.pdf").pages) == pages
