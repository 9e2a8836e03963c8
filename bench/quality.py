"""How close a reading is to a page's true text: character error rate and word recall."""

import re
from collections import Counter

from rapidfuzz.distance import Levenshtein


def normalise(text: str) -> str:
    """Return the text with every run of whitespace made one space, and stripped."""
    return " ".join(text.split())


def character_error_rate(truth: str, found: str) -> float:
    """Return the edits that turn the truth into the reading, per character of the truth."""
    truth = normalise(truth)
    return Levenshtein.distance(truth, normalise(found)) / max(len(truth), 1)


def words(text: str) -> Counter:
    """Return the text's words, lower-cased and without punctuation, with their counts."""
    found = (re.sub(r"[\W_]", "", word) for word in text.lower().split())
    return Counter(word for word in found if word)


def word_recall(truth: str, found: str) -> float:
    """Return the share of the true words (counted with repeats) that the reading has."""
    true_words = words(truth)
    return (true_words & words(found)).total() / max(true_words.total(), 1)
