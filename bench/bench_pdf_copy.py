"""Benchmark: text copied out of the searchable PDF, ocrapp's against the one the
`tesseract` command writes, as four PDF readers give it, on the layout corpus.

Readers order a PDF's text their own way: pdfium (Chrome's viewer) and pypdf follow the
order it is drawn in; pdfminer.six and poppler's pdftotext (Evince, Okular) work columns
out from where the words stand. Each copy is scored against the page's true text (CER),
beside the plain text of the same reading (ocrapp's; the `tesseract` command's, written
with its PDF): where a copy reads worse than its plain text, the PDF's order is to blame.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from statistics import fmean

import pypdfium2 as pdfium
from pdfminer.high_level import extract_text as pdfminer_text
from pypdf import PdfReader

from bench import corpus
from bench.bench_quality import table
from bench.quality import character_error_rate
from tasks.pipeline.page_images import encode_page
from tasks.pipeline.reading import read_image
from tasks.pipeline.render import document_text
from tasks.pipeline.searchable_pdf import SearchablePdfWriter

DPI = 300  # the size ocrapp's PDF gives a page: it moves no word, so order is the same
WRITERS = ("ocrapp", "tesseract")


def pdfium_text(path: Path) -> str:
    """Return the PDF's text as pdfium gives it."""
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def pypdf_text(path: Path) -> str:
    """Return the PDF's text as pypdf gives it."""
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def poppler_text(path: Path) -> str:
    """Return the PDF's text as poppler's pdftotext gives it, in its reading order."""
    command = ["pdftotext", str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


PDF_READERS: dict[str, Callable[[Path], str]] = {
    "pdfium (Chrome)": pdfium_text,
    "pypdf": pypdf_text,
    "pdfminer.six": pdfminer_text,
    "pdftotext (poppler)": poppler_text,
}


def ocrapp_pdf(page: corpus.CorpusPage, path: Path) -> str:
    """Read the page as ocrapp's Tesseract engine does, write its searchable PDF to
    `path`; return its plain text."""
    image, read = read_image(corpus.as_uploaded(page), "tesseract", ["eng"])
    with SearchablePdfWriter(path) as pdf:
        pdf.add_page(encode_page(image), read, DPI)
    return document_text([read])


def tesseract_pdf(page: corpus.CorpusPage, path: Path) -> str:
    """Write the searchable PDF of the `tesseract` command to `path`, given the page as
    bench_quality gives it (a PNG that declares no resolution); return its plain text."""
    png = path.with_suffix(".png")
    page.image.save(png)
    command = ["tesseract", str(png), str(path.with_suffix("")), "pdf", "txt"]
    subprocess.run(command, capture_output=True, check=True)  # one thread: main() says so
    return path.with_suffix(".txt").read_text()


def measure(pages: list[corpus.CorpusPage], readers: dict) -> dict[str, dict]:
    """Return, for each page, its kind, the CER of each plain text and of each copy."""
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for page in pages:
            paths = {writer: Path(folder) / f"{page.name}-{writer}.pdf" for writer in WRITERS}
            texts = {
                "ocrapp": ocrapp_pdf(page, paths["ocrapp"]),
                "tesseract": tesseract_pdf(page, paths["tesseract"]),
            }
            copies = {
                (writer, reader): character_error_rate(page.truth, read(paths[writer]))
                for writer in WRITERS
                for reader, read in readers.items()
            }
            results[page.name] = {
                "kind": page.kind,
                "texts": {w: character_error_rate(page.truth, t) for w, t in texts.items()},
                "copies": copies,
            }
            print(f"{page.name:20} copied", file=sys.stderr)
    return results


def report(results: dict[str, dict], readers: list[str]) -> str:
    """Return one table per kind of page and one of all: each reader's mean CER per PDF."""
    header = ["copied by", "from ocrapp's PDF", "from tesseract's PDF"]
    kinds = [kind for kind in corpus.KINDS if any(p["kind"] == kind for p in results.values())]
    sections = []
    for kind in [*kinds, "all"]:
        chosen = [page for page in results.values() if kind in ("all", page["kind"])]
        rows = [
            [reader, *(f"{fmean(p['copies'][w, reader] for p in chosen):.3f}" for w in WRITERS)]
            for reader in readers
        ]
        rows.append(
            ["(its plain text)", *(f"{fmean(p['texts'][w] for p in chosen):.3f}" for w in WRITERS)]
        )
        sections.append(f"### {kind} pages ({len(chosen)})\n\n{table(header, rows)}")
    columns = [(writer, reader) for writer in WRITERS for reader in readers]
    rows = [
        [name, page["kind"], *(f"{page['copies'][column]:.3f}" for column in columns)]
        for name, page in results.items()
    ]
    titles = [f"{reader}, {writer}'s" for writer, reader in columns]
    sections.append("### CER per page\n\n" + table(["page", "kind", *titles], rows))
    return "\n\n".join(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kinds", help=f"{','.join(corpus.KINDS)} (default: all)")
    arguments = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"  # both Tesseracts on one thread, as in a worker
    pages = corpus.pages(arguments.kinds.split(",") if arguments.kinds else None)
    readers = dict(PDF_READERS)
    if not shutil.which("pdftotext"):
        del readers["pdftotext (poppler)"]
        print("Note: pdftotext is not installed (Debian: poppler-utils); left out.\n")
    results = measure(pages, readers)
    print(f"## Text copied from searchable PDFs: CER on the layout corpus ({len(pages)} pages)\n")
    print(report(results, list(readers)))


if __name__ == "__main__":
    main()
