"""Benchmark: the memory a searchable PDF takes as pages are added, reportlab against ours.

Each page is a JPEG of about 1 MB, handed over as its own bytes; the growth is the peak
of Python's allocations (tracemalloc) over what was allocated before the first page.
"""

import argparse
import io
import os
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable

from PIL import Image
from reportlab import rl_config
from reportlab.pdfgen import canvas

from tasks.pipeline.document import Box, Fragment, Page
from tasks.pipeline.layout import build_page
from tasks.pipeline.searchable_pdf import SearchablePdfWriter

DPI = 300
MB = 1024 * 1024


def noise_jpeg(side: int = 1250, seed: int = 1) -> bytes:
    """Return a JPEG of random pixels: it hardly compresses (1250 px a side: about 1 MB)."""
    pixels = random.Random(seed).randbytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def sample_page(side: int) -> Page:
    """A page of `side` pixels with a few lines of words."""
    fragments = [
        Fragment(f"Line {n} of the page, Café Straße", 0.9, Box(50, 50 + 60 * n, 900, 100 + 60 * n))
        for n in range(10)
    ]
    return build_page(fragments, 1, side, side)


def allocation_growth(add_pages: Callable[[], None]) -> int:
    """Return the peak of Python's allocations while `add_pages` runs, over those before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        add_pages()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def writer_growth(jpeg: bytes, page: Page, count: int, path: str) -> int:
    """Return the allocation growth of SearchablePdfWriter writing `count` pages to `path`."""

    def add_pages() -> None:
        with SearchablePdfWriter(path) as pdf:
            for _ in range(count):
                pdf.add_page(bytes(bytearray(jpeg)), page, DPI)  # each page its own bytes

    return allocation_growth(add_pages)


def reportlab_growth(jpeg: bytes, page: Page, count: int, path: str) -> int:
    """Return the allocation growth of the reportlab canvas the task used before the writer."""
    rl_config.useA85 = 0  # as the task set it: images in binary

    def add_pages() -> None:
        document = canvas.Canvas(path, pageCompression=1)
        width, height = page.width * 72 / DPI, page.height * 72 / DPI
        for _ in range(count):
            document.setPageSize((width, height))
            # As the task did: the JPEG from a file, so that reportlab embeds it as it is.
            with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
                file.write(bytes(bytearray(jpeg)))
                file.flush()
                document.drawImage(file.name, 0, 0, width, height)
            document.showPage()
        document.save()

    return allocation_growth(add_pages)


def measure(count: int) -> dict[str, float]:
    """Return the growth in MB of both ways, and their seconds, for `count` pages."""
    jpeg = noise_jpeg()
    page = sample_page(1250)
    figures = {"jpeg_mb": len(jpeg) / MB}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "out.pdf")
        for name, growth in (("reportlab", reportlab_growth), ("writer", writer_growth)):
            start = time.perf_counter()
            figures[f"{name}_mb"] = growth(jpeg, page, count, path) / MB
            figures[f"{name}_s"] = time.perf_counter() - start
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, nargs="+", default=[50, 200])
    arguments = parser.parse_args()
    print("| pages | JPEG a page | reportlab growth | SearchablePdfWriter growth |")
    print("| ---: | ---: | ---: | ---: |")
    for count in arguments.pages:
        f = measure(count)
        print(
            f"| {count} | {f['jpeg_mb']:.2f} MB | {f['reportlab_mb']:.1f} MB "
            f"({f['reportlab_s']:.1f} s) | {f['writer_mb']:.2f} MB ({f['writer_s']:.1f} s) |"
        )


if __name__ == "__main__":
    main()
