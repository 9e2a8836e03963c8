"""Languages of a reading: which one a text is in, and that language's dictionary.

Languages are named as Tesseract names them (`eng`, `deu`, ...), ISO 639-2.
"""

import logging
import re
from functools import cache

log = logging.getLogger(__name__)
# Fewer letters than this say too little about a language to re-read a page for it.
MIN_LETTERS_TO_DETECT = 20
# Fewer letters than this, read in English, make a detection a guess (a German line read
# as French): the likeliest few languages are read, and the most confident reading kept.
SHORT_TEXT_LETTERS = 150
WORD = re.compile(r"[^\W\d_]{2,}")


def _lingua_language(code: str):
    """Return lingua's Language for a Tesseract code, or None where lingua has none."""
    from lingua import IsoCode639_3, Language

    iso = getattr(IsoCode639_3, code.upper(), None)
    return Language.from_iso_code_639_3(iso) if iso is not None else None


@cache
def _detector(codes: tuple[str, ...]):
    """Build a detector for these languages once per process (lingua loads their models)."""
    from lingua import LanguageDetectorBuilder

    languages = [language for code in codes if (language := _lingua_language(code))]
    if len(languages) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str, candidates: list[str]) -> str | None:
    """Return which of `candidates` `text` is written in, or None if it cannot tell."""
    if letter_count(text) < MIN_LETTERS_TO_DETECT:
        return None
    detector = _detector(tuple(sorted(candidates)))
    language = detector.detect_language_of(text) if detector else None
    return language.iso_code_639_3.name.lower() if language else None


def letter_count(text: str) -> int:
    """Count the letters of the words (two letters or more) in `text`."""
    return sum(len(word) for word in WORD.findall(text))


def likeliest_languages(text: str, candidates: list[str], count: int) -> list[str]:
    """Return the `count` of `candidates` that `text` is likeliest written in, likeliest first."""
    detector = _detector(tuple(sorted(candidates)))
    if detector is None or not WORD.search(text):
        return []
    ranked = detector.compute_language_confidence_values(text)
    return [value.language.iso_code_639_3.name.lower() for value in ranked[:count]]


@cache
def dictionary(code: str):
    """Return a spell checker's word list for language `code`, or None if there is none."""
    from spellchecker import SpellChecker

    language = _lingua_language(code)
    short = language.iso_code_639_1.name.lower() if language else None
    if short not in SpellChecker.languages():
        return None
    return SpellChecker(language=short)


def known_word_count(words: list[str], languages: list[str]) -> int:
    """Count the words (two letters or more) found in a dictionary of one of `languages`."""
    tokens = [match.lower() for word in words for match in WORD.findall(word)]
    known: set[str] = set()
    for code in languages:
        checker = dictionary(code)
        if checker is not None:
            known |= checker.known(tokens)
    return sum(token in known for token in tokens)
