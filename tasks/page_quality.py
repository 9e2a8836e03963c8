"""How well a page was read, from the reading alone: for `engine=auto` to decide."""

from statistics import fmean

from tasks.document import Page
from tasks.languages import WORD, known_word_count

# A Tesseract reading under either bar is read by EasyOCR too (tuned on bench/corpus).
MIN_CONFIDENCE = 0.75
MIN_KNOWN_SHARE = 0.7


def known_share(page: Page) -> float:
    """Return the share of the page's words (two letters or more) that a dictionary knows."""
    texts = [word.text for word in page.words]
    total = sum(len(WORD.findall(text)) for text in texts)
    return known_word_count(texts, page.languages) / total if total else 0.0


def reads_poorly(page: Page) -> bool:
    """Whether the reading looks wrong: few words, low confidence, or few real words."""
    words = page.words
    if len(words) < 3:
        return True
    confidence = fmean(word.confidence for word in words)
    return confidence < MIN_CONFIDENCE or known_share(page) < MIN_KNOWN_SHARE


def better_reading(first: Page, second: Page) -> Page:
    """Return the reading with more words a dictionary knows (the first on a tie)."""
    score = lambda page: known_word_count([w.text for w in page.words], page.languages)  # noqa: E731
    return second if score(second) > score(first) else first
