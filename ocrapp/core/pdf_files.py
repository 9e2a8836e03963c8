"""Opening a PDF with pdfium, its failures as domain errors: at upload and in the worker.

pdfium is imported when a PDF is opened, so that a web process, which only reads the
inspectors' answers, never loads it.
"""

import re

from ocrapp.core.errors import EmptyPdf, EncryptedPdf, InvalidPdf

# A /Type /Pages whose dictionary says /Count 0. Its scan stops at the next `>`, /Type or
# /Count, so that no byte is read from two starts: a linear search of any upload (scanning
# on to the file's end from each /Type /Pages took seconds for 120 KB of them).
EMPTY_PAGE_TREE = re.compile(rb"/Type\s*/Pages\b(?:[^>/]|/(?!Type|Count))*+/Count\s+0\b")


def open_pdf(data: bytes):
    """Open a PDF with pdfium (repairing what it can), or refuse it with its error code."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        # pdfium's error code is per thread and can be left over from an earlier document,
        # so the reason is read from the file: the trailer names an /Encrypt dictionary.
        if b"/Encrypt" in data:
            raise EncryptedPdf("The PDF is encrypted and no password was given.") from error
        if EMPTY_PAGE_TREE.search(data):
            raise EmptyPdf("The PDF has no pages.") from error
        raise InvalidPdf(f"The PDF could not be read: {error}") from error
    if len(pdf) == 0:
        pdf.close()
        raise EmptyPdf("The PDF has no pages.")
    return pdf
