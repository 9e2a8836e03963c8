"""The layout corpus of the quality benchmark, and its metrics: no OCR, quick."""

from collections import Counter
from dataclasses import replace

import pypdfium2 as pdfium
import pytest

from bench import bench_quality, corpus
from bench.corpus_drawing import draw_pdf
from bench.corpus_layout import truth
from bench.quality import character_error_rate, word_recall, words


def test_every_kind_of_page_is_there():
    kinds = Counter(layout.kind for layout in corpus.LAYOUTS.values())
    assert kinds == {
        "scan": 13,
        "askew": 3,
        "lid_open": 2,
        "bilevel": 4,
        "photo": 7,
        "screenshot": 2,
    }
    assert [page.name for page in corpus.pages(["screenshot"])] == [
        "settings_screen",
        "sourdough_article",
    ]


@pytest.mark.parametrize("name", list(corpus.LAYOUTS))
def test_the_truth_is_the_text_drawn(name):
    # draw_pdf also refuses a page whose text overflows its region into another.
    document = pdfium.PdfDocument(draw_pdf(corpus.LAYOUTS[name]))
    drawn = document[0].get_textpage().get_text_range()
    true_text = truth(corpus.LAYOUTS[name])
    assert len(true_text.split("\n\n")) >= 3
    assert words(drawn) == words(true_text)


def test_the_two_column_sheet_is_read_title_left_column_right_column_footer():
    paragraphs = truth(corpus.LAYOUTS["product_sheet"]).split("\n\n")
    headings = ["Overview", "Key features", "Installation", "Specifications"]
    order = [paragraphs.index(heading) for heading in [*headings, "Ordering information"]]
    assert paragraphs[0] == "Aquila X2 Portable Air Quality Monitor"
    assert order == sorted(order)
    assert paragraphs[-1].startswith("Aquila Environmental Ltd.")


def test_pages_are_the_same_every_run():
    screenshot = corpus.LAYOUTS["settings_screen"]
    image = corpus.page("settings_screen").image
    assert corpus.capture(screenshot, corpus.rasterise(screenshot)).tobytes() == image.tobytes()
    # Scans and photos at a low resolution, to keep the test quick: same seed, same pixels.
    for name in ["product_sheet", "novel_page"]:
        small = replace(corpus.LAYOUTS[name], dpi=30)
        first, second = (corpus.capture(small, corpus.rasterise(small)) for _ in range(2))
        assert first.tobytes() == second.tobytes()


def test_another_take_of_a_page_is_another_capture_of_it_with_the_same_truth():
    small = replace(corpus.LAYOUTS["product_sheet"], dpi=30)
    image = corpus.rasterise(small)
    assert corpus.capture(small, image, 1).tobytes() != corpus.capture(small, image).tobytes()
    takes = corpus.pages(["screenshot"], 2)
    assert [page.name for page in takes] == [
        "settings_screen",
        "settings_screen~1",
        "sourdough_article",
        "sourdough_article~1",
    ]
    assert takes[0].truth == takes[1].truth


def test_a_perfect_reading_scores_zero_errors_and_full_recall():
    text = "The Aquila X2 measures fine particles.\n\nReadings appear on the display."
    assert (
        character_error_rate(
            text, "  The Aquila X2 measures fine particles.\nReadings appear on the display. "
        )
        == 0
    )
    assert word_recall(text, text) == 1


def test_paragraphs_out_of_order_cost_characters_but_not_words():
    first, second = "Overview of the monitor.", "Specifications: 120 mm wide."
    swapped = f"{second}\n\n{first}"
    assert character_error_rate(f"{first}\n\n{second}", swapped) > 0.5
    assert word_recall(f"{first}\n\n{second}", swapped) == 1


def test_word_recall_counts_each_true_word_once_ignoring_case_and_punctuation():
    assert word_recall("the cat saw the dog", "The cat, the DOG!") == 0.8
    assert word_recall("", "anything") == 0


def test_the_quality_report_compares_ocrapp_with_the_bare_engine():
    def reading(cer, seconds):
        return {"cer": cer, "recall": 1.0, "seconds": seconds, "text": ""}

    results = {
        "product_sheet": {
            "kind": "scan",
            "readings": {"easyocr readtext": reading(0.5, 60), "ocrapp easyocr": reading(0.1, 30)},
        }
    }
    text = bench_quality.report(results, ["easyocr readtext", "ocrapp easyocr"])
    assert "| ocrapp easyocr | 0.100 | 1.000 | 30.0 | 2.00x vs easyocr readtext |" in text
    assert "| product_sheet | scan | 0.500 | 0.100 |" in text
