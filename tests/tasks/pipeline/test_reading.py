"""Reading a page image: Tesseract's layout, `engine=auto` and `languages=auto`, real OCR."""

import pytest
from PIL import Image, ImageChops
from rapidfuzz.distance import Levenshtein

from bench import corpus
from bench.quality import word_recall
from tasks.pipeline.document import Block, Box, Line, Page, Word
from tasks.pipeline.engines import load_engine
from tasks.pipeline.engines.tesseract_engine import as_handed_over, in_colour
from tasks.pipeline.languages import detect_language
from tasks.pipeline.orientation import detect_rotation, straighten
from tasks.pipeline.page_quality import better_reading, looks_like_photo, reads_poorly
from tasks.pipeline.reading import read_image
from tests.documents import PROSE, page_image, printed_page, tilted

GERMAN = [
    "Die Größe der Straße wird über",
    "die Länge der Häuser gemessen,",
    "während die Bäume grün blühen.",
]
ENGLISH = ["The quick brown fox jumps over", "the lazy dog while the cat sleeps."]


class RecordingLoader:
    """Loads real engines, and remembers which were asked for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, name: str):
        self.names.append(name)
        return load_engine(name)


def page_of(texts: list[str], confidence: float = 0.95, languages=("eng",)) -> Page:
    words = tuple(
        Word(text, confidence, Box(10 * n, 0, 10 * n + 8, 10)) for n, text in enumerate(texts)
    )
    return Page(1, 100, 100, blocks=[Block((Line(words),))], languages=list(languages))


def test_tesseract_reads_in_its_own_layout_and_says_so():
    _, page = read_image(page_image(ENGLISH), "tesseract", ["eng"])
    assert page.lines[0].text == ENGLISH[0]
    assert (page.engine, page.languages) == ("tesseract", ["eng"])


def test_a_page_fed_askew_is_levelled_then_read():
    askew = tilted(page_image(PROSE), -4.0)  # Tesseract alone reads none of it
    image, page = read_image(askew, "tesseract", ["eng"])
    assert Levenshtein.normalized_distance("\n".join(PROSE), page.text) < 0.05
    assert page.skew == pytest.approx(-4.0, abs=0.1)
    assert image.size == askew.size and (page.width, page.height) == image.size


def test_a_black_and_white_page_fed_askew_is_levelled_and_stays_black_and_white():
    # An office scanner's black-and-white mode: its off-white paper dithered into dots.
    askew = tilted(page_image(PROSE), -4.0).convert("L").point(lambda value: value * 0.86)
    black_and_white = askew.convert("1").convert("RGB")
    image, page = read_image(black_and_white, "tesseract", ["eng"])
    assert page.skew == pytest.approx(-4.0, abs=0.1)
    assert Levenshtein.normalized_distance("\n".join(PROSE), page.text) < 0.05
    assert {colour for _, colour in image.getcolors(2)} == {(0, 0, 0), (255, 255, 255)}


def test_a_black_and_white_page_fed_askew_keeps_the_words_on_its_shaded_header():
    # A table's header shaded grey: in black and white, a field of dots behind its words.
    page = page_image(["Invoice number  Quantity  Unit price  Total", *PROSE[:4]])
    shaded = Image.new("RGB", page.size, (180, 180, 180))
    header = (0, 20, page.width, 100)
    page.paste(ImageChops.darker(page.crop(header), shaded.crop(header)), header[:2])
    black_and_white = tilted(page, -2.0).convert("1").convert("RGB")
    _, read = read_image(black_and_white, "tesseract", ["eng"])
    assert read.skew == pytest.approx(-2.0, abs=0.1)
    header = "Invoice number Quantity Unit price Total"  # lost at 160: the dots merged
    assert Levenshtein.normalized_distance(header, read.lines[0].text) < 0.1


def test_languages_auto_reads_again_in_the_pages_language():
    _, page = read_image(printed_page(GERMAN), "tesseract", ["auto"])
    assert page.languages == ["deu"]
    assert "Größe" in page.text and "Straße" in page.text


@pytest.mark.parametrize(
    ("line", "language"),
    [("Größere Übungen für Straße und Fußgänger", "deu"), ("The fox jumps over the dog", "eng")],
)
def test_languages_auto_reads_a_short_text_in_its_language(line, language):
    # One line of German, read first in English ("GréRere Ubungen fiir StraBe"), was taken
    # for French (found in a first-time user's review): the likeliest languages are read,
    # and the most confident reading kept.
    _, page = read_image(printed_page([line]), "tesseract", ["auto"])
    assert page.languages == [language]
    assert page.text == line


def test_languages_auto_reads_a_page_of_a_few_letters_once(monkeypatch):
    # "Fig 3" was read in three more languages and labelled with the most confident.
    engine = load_engine("tesseract")
    calls = []
    recognize = engine.recognize
    monkeypatch.setattr(engine, "recognize", lambda *a: calls.append(a[1]) or recognize(*a))
    _, page = read_image(page_image(["Fig 3"]), "tesseract", ["auto"], load=lambda _: engine)
    assert calls == [["eng"]] and page.languages == ["eng"]


def test_languages_auto_keeps_english_for_an_english_page():
    _, page = read_image(page_image(ENGLISH), "tesseract", ["auto"])
    assert page.languages == ["eng"]


def test_engine_auto_keeps_tesseract_on_a_clean_page_without_loading_easyocr():
    loader = RecordingLoader()
    _, page = read_image(page_image(ENGLISH), "auto", ["eng"], load=loader)
    assert page.engine == "tesseract"
    assert loader.names == ["tesseract"]


def test_a_language_is_detected_only_from_enough_text():
    assert detect_language("Die Bäume blühen im Garten hinter dem Haus", ["eng", "deu"]) == "deu"
    assert detect_language("Hallo", ["eng", "deu"]) is None


def test_a_reading_of_real_words_is_not_poor_and_garbage_is():
    assert not reads_poorly(page_of(["the", "cat", "sat", "on", "the", "mat"]))
    assert reads_poorly(page_of(["xq7", "brrk", "zzqv", "wlth", "qqq"]))
    assert reads_poorly(page_of(["the", "cat", "sat", "on", "the", "mat"], confidence=0.3))
    assert reads_poorly(page_of(["a"]))


def test_the_better_reading_has_more_real_words():
    poor, good = page_of(["tbe", "cal", "sal"]), page_of(["the", "cat", "sat"])
    assert better_reading(poor, good) is good
    assert better_reading(good, poor) is good


@pytest.mark.slow
def test_easyocr_words_follow_tesseracts_layout_with_progress_that_only_rises():
    reports = []
    _, page = read_image(
        page_image(ENGLISH), "easyocr", ["eng"], progress=lambda f, _: reports.append(f)
    )
    assert page.engine == "easyocr"
    assert "".join(page.lines[0].text.lower().split()) == "thequickbrownfoxjumpsover"
    assert reports == sorted(reports) and reports[-1] == pytest.approx(1.0)


def test_scans_and_screenshots_are_paper_and_phone_photos_are_not():
    from bench.corpus import page

    assert not looks_like_photo(page("product_sheet").image)
    assert not looks_like_photo(page("settings_screen").image)
    assert looks_like_photo(page("water_notice").image)


def test_a_page_without_colour_goes_to_tesseract_in_grey_and_a_photos_cast_in_colour():
    scan = page_image(PROSE[:3])  # black on white, in RGB
    tinted = Image.blend(scan, Image.new("RGB", scan.size, (255, 244, 228)), 0.5)
    for page in (scan, tinted, scan.convert("1")):
        assert not in_colour(page) and as_handed_over(page, in_colour(page)).mode == "L"
    # A phone photo's cast: the paper bluish grey, as the corpus's photos are.
    photo = Image.blend(scan, Image.new("RGB", scan.size, (150, 170, 200)), 0.5)
    assert in_colour(photo) and as_handed_over(photo, in_colour(photo)) is photo


@pytest.mark.slow  # a corpus page, read twice
def test_a_photo_read_nearly_confidently_is_not_turned_by_a_wrong_orientation_check():
    """Tesseract's check took this photo of small type for upside down (confidence 2.1)
    and the page was read turned: CER 0.77, word recall 0.04."""
    photo = corpus.as_uploaded(corpus.page("journal_photo"))
    levelled, _ = straighten(photo)
    assert detect_rotation(levelled) == 180  # what the check says
    read, found = read_image(photo, "tesseract", ["eng"])
    assert found.rotation == 0 and read.size == levelled.size
    assert word_recall(corpus.page("journal_photo").truth, found.text) > 0.6
