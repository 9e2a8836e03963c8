"""Benchmark: reading quality and speed on the layout corpus, ocrapp's reading against the
engines used bare (the `tesseract` command; EasyOCR's own `readtext`), in one run.

Every reader runs with one thread, on the same pages, after a warm-up read.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from statistics import fmean

from PIL import Image

from bench import corpus
from bench.quality import character_error_rate, word_recall

Read = Callable[[Image.Image, Path], str]
# The bare engine each ocrapp engine is compared with, for the speed-up column.
BASELINES = {"tesseract": "bare tesseract", "easyocr": "easyocr readtext"}


def bare_tesseract(image: Image.Image, png: Path) -> str:
    """Read the page with the `tesseract` command, as it comes."""
    command = ["tesseract", str(png), "stdout"]
    environment = os.environ | {"OMP_THREAD_LIMIT": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, check=True
    ).stdout


def easyocr_readtext() -> Read:
    """Return a reader that calls EasyOCR's own `readtext` with its defaults."""
    import easyocr
    import easyocr_en_models
    import numpy as np
    import torch

    # torch warns about EasyOCR's quantisation and pinned memory without a GPU: not ours.
    warnings.filterwarnings("ignore", message=".*(quantiz|pin_memory)")
    torch.set_num_threads(1)
    reader = easyocr.Reader(
        ["en"],
        gpu=False,
        model_storage_directory=str(easyocr_en_models.model_dir()),
        download_enabled=False,
        verbose=False,
    )
    # In RGB: a black-and-white page's array is of booleans, which OpenCV refuses.
    return lambda image, png: "\n".join(reader.readtext(np.asarray(image.convert("RGB")), detail=0))


def ocrapp_reader(engine: str) -> Read:
    """Return a reader that reads the page as ocrapp does, with `engine`."""
    from tasks.pipeline.reading import read_image
    from tasks.pipeline.sources import decode_image

    # The PNG the bare engines read, decoded as an upload of it is.
    return lambda image, png: read_image(decode_image(png.read_bytes()), engine, ["eng"])[1].text


def warm_readers(engines: list[str], warm_up: Image.Image, notes: list[str]) -> dict[str, Read]:
    """Build the readers for `engines` and read `warm_up` with each; skip those that fail."""
    builders = {"bare tesseract": lambda: bare_tesseract}
    if "easyocr" in engines:
        builders["easyocr readtext"] = easyocr_readtext
    builders |= {
        f"ocrapp {engine}": lambda engine=engine: ocrapp_reader(engine) for engine in engines
    }
    readers = {}
    with tempfile.TemporaryDirectory() as folder:
        png = Path(folder) / "warm-up.png"
        warm_up.save(png)
        for name, build in builders.items():
            try:
                read = build()
                read(warm_up, png)
            except Exception as error:  # an engine not available (yet): report, go on
                notes.append(f"{name} skipped: {type(error).__name__}: {error}")
                continue
            readers[name] = read
    return readers


def read_timed(
    name: str, read: Read, page: corpus.CorpusPage, png: Path, notes: list[str]
) -> tuple[str, float]:
    """Return the reading of the page and the seconds it took; a failure reads as nothing."""
    started = time.perf_counter()
    try:
        text = read(page.image, png)
    except Exception as error:  # one failed page must not lose a long run: note it, score it 0
        notes.append(f"{name} failed on {page.name}: {type(error).__name__}: {error}")
        text = ""
    return text, time.perf_counter() - started


def measure(
    pages: list[corpus.CorpusPage], readers: dict[str, Read], notes: list[str]
) -> dict[str, dict]:
    """Read every page with every reader; return each page's kind and each reading's numbers."""
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for page in pages:
            png = Path(folder) / f"{page.name}.png"
            page.image.save(png)
            readings = {}
            for name, read in readers.items():
                text, seconds = read_timed(name, read, page, png, notes)
                readings[name] = {
                    "cer": character_error_rate(page.truth, text),
                    "recall": word_recall(page.truth, text),
                    "seconds": seconds,
                    "text": text,
                }
                print(f"{page.name:20} {name:18} {seconds:6.1f} s", file=sys.stderr)
            results[page.name] = {"kind": page.kind, "readings": readings}
    return results


def summary_rows(results: dict[str, dict], readers: list[str]) -> list[list[str]]:
    """Return one table row per reader: mean CER, word recall, seconds, speed-up on the pages."""
    rows = []
    for reader in readers:
        readings = [page["readings"][reader] for page in results.values()]
        speed_up = ""
        baseline = BASELINES.get(reader.removeprefix("ocrapp "))
        if reader.startswith("ocrapp ") and baseline in readers:
            ours = sum(reading["seconds"] for reading in readings)
            theirs = sum(page["readings"][baseline]["seconds"] for page in results.values())
            speed_up = f"{theirs / ours:.2f}x vs {baseline}"
        rows.append(
            [
                reader,
                f"{fmean(r['cer'] for r in readings):.3f}",
                f"{fmean(r['recall'] for r in readings):.3f}",
                f"{fmean(r['seconds'] for r in readings):.1f}",
                speed_up,
            ]
        )
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    """Return a Markdown table."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def report(results: dict[str, dict], readers: list[str]) -> str:
    """Return the summary tables (per kind of page, then all pages) and the per-page CERs."""
    header = ["reader", "CER", "word recall", "s/page", "speed-up"]
    sections = []
    kinds = [kind for kind in corpus.KINDS if any(p["kind"] == kind for p in results.values())]
    for kind in [*kinds, "all"]:
        chosen = {name: p for name, p in results.items() if kind in ("all", p["kind"])}
        title = f"### {kind} pages ({len(chosen)})"
        sections.append(f"{title}\n\n{table(header, summary_rows(chosen, readers))}")
    rows = [
        [name, page["kind"], *(f"{page['readings'][r]['cer']:.3f}" for r in readers)]
        for name, page in results.items()
    ]
    sections.append("### CER per page\n\n" + table(["page", "kind", *readers], rows))
    return "\n\n".join(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engines", default="tesseract,easyocr,auto", help="ocrapp engines")
    parser.add_argument("--pages", help="page names, comma-separated (default: all)")
    parser.add_argument("--kinds", help=f"{','.join(corpus.KINDS)} (default: all)")
    parser.add_argument("--json", type=Path, help="write the raw numbers and readings here")
    parser.add_argument(
        "--takes",
        type=int,
        default=1,
        help="captures of each page: its own, then others with other seeds (page~1, ...)",
    )
    arguments = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"  # for ocrapp's Tesseract too, as in a worker
    kinds = arguments.kinds.split(",") if arguments.kinds else None
    pages = corpus.pages(kinds, arguments.takes)
    if arguments.pages:
        names = arguments.pages.split(",")
        unknown = set(names) - set(corpus.LAYOUTS)
        if unknown:
            parser.error(f"unknown pages {sorted(unknown)}; the corpus has {list(corpus.LAYOUTS)}")
        pages = [page for page in pages if page.name.split("~")[0] in names]
    notes = []
    # A strip of the smallest page: enough to load every model, quick to read.
    warm_up = corpus.page("settings_screen").image.crop((0, 0, 1280, 300))
    readers = warm_readers(arguments.engines.split(","), warm_up, notes)
    results = measure(pages, readers, notes)
    print(f"## OCR quality on the layout corpus ({len(pages)} pages)\n")
    print(report(results, list(readers)))
    for note in notes:
        print(f"\nNote: {note}")
    if arguments.json:
        document = {"readers": list(readers), "notes": notes, "pages": results}
        arguments.json.write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
