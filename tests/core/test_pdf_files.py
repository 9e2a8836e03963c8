"""Opening a PDF, or refusing it with its reason: at upload and in the worker."""

import pytest

from ocrapp.core.errors import EmptyPdf, InvalidPdf
from ocrapp.core.pdf_files import open_pdf
from tests.documents import empty_pdf


def test_a_file_of_page_tree_headers_is_refused_in_one_pass():
    """No byte is scanned from two /Type /Pages: 24 MB of them (hours, when each was scanned
    to the file's end) are refused as any other unreadable PDF (pytest's timeout guards)."""
    with pytest.raises(InvalidPdf):
        open_pdf(b"%PDF-1.4\n" + b"/Type/Pages " * 2_000_000)


def test_an_empty_page_tree_is_told_apart():
    with pytest.raises(EmptyPdf):
        open_pdf(empty_pdf())
    for tree in (b"<< /Type /Pages /Kids [ ] /Count 0 >>", b"<</Type/Pages/Count 0/Kids[]>>"):
        with pytest.raises(EmptyPdf):
            open_pdf(b"%PDF-1.4\n1 0 obj\n" + tree + b"\nendobj\n")
    with pytest.raises(InvalidPdf):  # another dictionary's /Count
        open_pdf(b"%PDF-1.4\n1 0 obj\n<< /Type /Pages >> << /Count 0 >>\nendobj\n")
