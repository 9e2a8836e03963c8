"""Benchmark: EasyOCR's own `readtext` against ocrapp's EasyOCR engine, page by page.

Both run in one process on the same models with one torch thread, on the corpus's scans
and on dense two-column prose pages; they take turns on each page (who goes first
alternates), and each time is the least of `--rounds` readings. Word recall is against the
page's true text. `python -m bench.bench_easyocr [--rounds 2] [--pages NAME ...]`
"""

import argparse
import io
import random
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

from bench.bench_quality import table
from bench.quality import word_recall

# The words of the prose pages, common English ones.
COMMON_WORDS = """
the of and to in is was that for it with as on be at by this had not are but from or have an
they which one you were all we her she there would their will when who him been has more if
no out so said what up its about into than them can only other new some could time these two
may then do first any my now such like our over man me even most made after also did many
before must through back years where much your way well down should because each just those
people how too little state good very make world still own see men work long get here between
both life being under never day same another know while last might us great old year off come
since against go came right used take three states himself few house use during without again
place around however home small found thought went say part once general high upon school
every does got united left number course war until always away something fact though water
less public put think almost hand enough far took head yet government system better set told
nothing night end why called eyes find going look asked later knew point next program city
business give group toward young days let room president side social given present several
order national possible rather second face per among form important often things looked early
white case become large big need four within felt along children saw best church ever least
power development light thing seemed family interest want members mind country area others
done turned although open problem sense
"""
VOCABULARY = COMMON_WORDS.split()
# Dense prose pages: font, size in points, blur radius and JPEG quality (None: lossless).
PROSE_PAGES = {
    "prose_sans_10pt": ("Helvetica", 10, 0.0, None),
    "prose_serif_11pt_soft": ("Times-Roman", 11, 0.7, 70),
}
DPI = 300


@dataclass(frozen=True)
class Page:
    name: str
    image: Image.Image
    truth: str


def prose(rng: random.Random, count: int) -> str:
    """Return about `count` words of sentences: capitals, commas, numbers, full stops."""
    words = []
    while len(words) < count:
        sentence = [rng.choice(VOCABULARY) for _ in range(rng.randint(6, 22))]
        if rng.random() < 0.2:
            sentence[rng.randrange(len(sentence))] = str(rng.randint(2, 1999))
        if rng.random() < 0.4:
            sentence[rng.randrange(1, len(sentence) - 1)] += ","
        sentence[0] = sentence[0].capitalize()
        sentence[-1] += rng.choice(".....?;")
        words += sentence
    return " ".join(words)


def prose_page(name: str) -> Page:
    """Return a US-letter page of two columns of dense prose at 300 dpi, and its true text."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    font, size, blur, quality = PROSE_PAGES[name]
    buffer, margin, gutter = io.BytesIO(), 54, 18
    document = BaseDocTemplate(
        buffer,
        pagesize=letter,
        **dict.fromkeys(["leftMargin", "rightMargin", "topMargin", "bottomMargin"], margin),
    )
    width = (document.width - gutter) / 2
    columns = [Frame(margin + (width + gutter) * i, margin, width, document.height) for i in (0, 1)]
    document.addPageTemplates([PageTemplate(frames=columns)])
    style = ParagraphStyle(name, fontName=font, fontSize=size, leading=1.2 * size)
    rng = random.Random(name)
    # More than a page; only the first is kept, with the text pdfium finds on it.
    document.build([Paragraph(prose(rng, rng.randint(60, 140)), style) for _ in range(40)])
    pdf = pdfium.PdfDocument(buffer.getvalue())
    truth = pdf[0].get_textpage().get_text_range()
    image = pdf[0].render(scale=DPI / 72).to_pil().convert("RGB").crop((0, 0, 2550, 3300))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if quality:
        jpeg = io.BytesIO()
        image.save(jpeg, format="JPEG", quality=quality)
        image = Image.open(jpeg).convert("RGB")
    return Page(name, image, truth)


def bench_pages(names: list[str] | None) -> list[Page]:
    """Return the corpus's scans and the prose pages, or those of them named."""
    from bench import corpus

    scans = [Page(p.name, p.image, p.truth) for p in corpus.pages(kinds=["scan"])]
    pages = scans + [prose_page(name) for name in PROSE_PAGES]
    return [page for page in pages if not names or page.name in names]


def readers() -> dict:
    """Return readtext and ocrapp's engine, each reading an image to text, on one thread."""
    from tasks.pipeline.engines.easyocr_engine import EasyOcrEngine

    warnings.filterwarnings("ignore", message=".*(quantiz|pin_memory)")
    engine = EasyOcrEngine(threads=1, device="cpu")

    def ours(image: Image.Image) -> str:
        return "\n".join(f.text for f in engine.recognize(image, ["eng"], lambda *_: None))

    def readtext(image: Image.Image) -> str:
        return "\n".join(engine.reader.readtext(np.asarray(image), detail=0))

    return {"readtext": readtext, "ours": ours}


def measure(page: Page, reading: dict, rounds: int, first: int) -> dict:
    """Read the page `rounds` times with each reader in turn; return least seconds and recall."""
    seconds = {name: [] for name in reading}
    texts = {}
    names = list(reading)
    for number in range(rounds):
        turn = (first + number) % len(names)
        for name in names[turn:] + names[:turn]:
            started = time.perf_counter()
            texts[name] = reading[name](page.image)
            seconds[name].append(time.perf_counter() - started)
    result = {name: min(times) for name, times in seconds.items()}
    result |= {f"{name} recall": word_recall(page.truth, texts[name]) for name in reading}
    print(page.name, {k: round(v, 3) for k, v in result.items()}, file=sys.stderr)
    return result


def report(results: dict[str, dict]) -> str:
    """Return the Markdown table: each page's seconds, speed-up and word recall, and all."""
    rows = [
        [
            name,
            f"{r['readtext']:.1f}",
            f"{r['ours']:.1f}",
            f"{r['readtext'] / r['ours']:.2f}x",
            f"{r['readtext recall']:.4f}",
            f"{r['ours recall']:.4f}",
        ]
        for name, r in results.items()
    ]
    total = {key: sum(r[key] for r in results.values()) for key in ["readtext", "ours"]}
    recall = {k: np.mean([r[f"{k} recall"] for r in results.values()]) for k in total}
    rows.append(
        [
            "**all pages** (total s, mean recall)",
            f"{total['readtext']:.1f}",
            f"{total['ours']:.1f}",
            f"{total['readtext'] / total['ours']:.2f}x",
            f"{recall['readtext']:.4f}",
            f"{recall['ours']:.4f}",
        ]
    )
    header = ["page", "readtext s", "ours s", "speed-up", "readtext recall", "ours recall"]
    return table(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=1, help="readings of each page by each")
    parser.add_argument("--pages", nargs="*", help="only these pages (default: all)")
    options = parser.parse_args()
    pages = bench_pages(options.pages)
    reading = readers()
    warm_up = pages[0].image.resize((850, 1100))
    for read in reading.values():
        read(warm_up)
    results = {
        page.name: measure(page, reading, options.rounds, first=number % 2)
        for number, page in enumerate(pages)
    }
    print(report(results))


if __name__ == "__main__":
    main()
