"""How well a page was read, and whether it is a scan: for `engine=auto` to decide."""

from statistics import fmean

import numpy as np
from PIL import Image

from tasks.pipeline.document import Page
from tasks.pipeline.languages import WORD, known_word_count

# A Tesseract reading under either bar is read by EasyOCR too (tuned on bench/corpus).
MIN_CONFIDENCE = 0.75
MIN_KNOWN_SHARE = 0.7
# A scan or a screenshot is mostly paper: on bench/corpus scans and screenshots 72-94 % of
# pixels are near-white and grey, on phone photos 2-3 %.
MIN_PAPER_SHARE = 0.4


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
    return second if _known_words(second) > _known_words(first) else first


def _known_words(page: Page) -> int:
    """Count the page's words a dictionary of its languages knows."""
    return known_word_count([word.text for word in page.words], page.languages)


def looks_like_photo(image: Image.Image) -> bool:
    """Whether the image is a photo of a page (little white paper) rather than a scan."""
    small = np.asarray(image.convert("RGB").resize((256, 256)), dtype=np.int16)
    grey, spread = small.mean(axis=2), small.max(axis=2) - small.min(axis=2)
    return float(((grey > 200) & (spread < 30)).mean()) < MIN_PAPER_SHARE
