"""A layout corpus: page images that look like scans, phone photos and screenshots, each with
its true text in reading order. `python -m bench.corpus OUTDIR` writes them out to look at."""

import argparse
import io
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from bench import corpus_photos, corpus_receipts, corpus_scans, corpus_screenshots
from bench.corpus_capture import black_and_white, fed_askew, lid_open, photographed, scanned
from bench.corpus_drawing import POINTS, draw_pdf
from bench.corpus_layout import PageLayout, truth

KINDS = ("scan", "askew", "lid_open", "bilevel", "photo", "screenshot")
LAYOUTS = {
    layout.name: layout
    for layout in [
        *corpus_scans.PAGES,
        *corpus_receipts.PAGES,
        *corpus_photos.PAGES,
        *corpus_screenshots.PAGES,
    ]
}
CAPTURES = {
    "scan": scanned,
    "askew": fed_askew,
    "lid_open": lid_open,
    "bilevel": black_and_white,
    "photo": photographed,
}


@dataclass(frozen=True)
class CorpusPage:
    """A page image and its true text: paragraphs in reading order, separated by blank lines."""

    name: str
    kind: str
    image: Image.Image
    truth: str


def rasterise(layout: PageLayout) -> Image.Image:
    """Draw the page and render it at the layout's resolution, as the printed page would look."""
    document = pdfium.PdfDocument(draw_pdf(layout))
    try:
        image = document[0].render(scale=layout.dpi / POINTS).to_pil().convert("RGB")
    finally:
        document.close()
    # pdfium rounds the size up: crop to the page's exact size in pixels (2550 x 3300).
    width, height = (round(inches * layout.dpi) for inches in layout.size)
    return image.crop((0, 0, width, height))


def capture(layout: PageLayout, image: Image.Image, take: int = 0) -> Image.Image:
    """Return the image as its kind of device captures it (a screenshot is left as it is),
    the corpus's own capture or, for `take` 1 and on, another of the same page."""
    if layout.kind not in CAPTURES:
        return image
    # A seed of the page's own, so each page is degraded differently but the same every run.
    rng = np.random.default_rng(zlib.crc32(layout.name.encode()) + take)
    return CAPTURES[layout.kind](image, rng)


@cache
def page(name: str, take: int = 0) -> CorpusPage:
    """Return the corpus page `name` (or another capture of it: `take`), generated once per
    process; another capture is named `name~take`."""
    layout = LAYOUTS[name]
    image = capture(layout, rasterise(layout), take)
    return CorpusPage(f"{name}~{take}" if take else name, layout.kind, image, truth(layout))


def as_uploaded(page: CorpusPage) -> Image.Image:
    """Return the page's image as ocrapp decodes an upload of it (a PNG): in RGB."""
    from tasks.pipeline.sources import decode_image

    buffer = io.BytesIO()
    page.image.save(buffer, format="PNG")
    return decode_image(buffer.getvalue())


def pages(kinds: list[str] | None = None, takes: int = 1) -> list[CorpusPage]:
    """Return the corpus pages of the given kinds (all when None), in corpus order, each
    captured `takes` times (the corpus's own capture first)."""
    chosen = [name for name, layout in LAYOUTS.items() if not kinds or layout.kind in kinds]
    return [page(name, take) for name in chosen for take in range(takes)]


def write(folder: Path) -> None:
    """Write each page's image (PNG) and truth (text) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for corpus_page in pages():
        corpus_page.image.save(folder / f"{corpus_page.name}.png")
        (folder / f"{corpus_page.name}.txt").write_text(corpus_page.truth + "\n")
        print(f"{corpus_page.kind:10} {corpus_page.name:20} {corpus_page.image.size}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, help="where to write the images and truths")
    write(parser.parse_args().folder)
