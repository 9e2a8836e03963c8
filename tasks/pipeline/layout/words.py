"""Words from fragments, and lines from words."""

import re

from tasks.pipeline.document import Box, Fragment, Line, Word

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def split_words(fragment: Fragment) -> list[Word]:
    """Split a fragment into words, giving each a share of the box by its length."""
    parts = CONTROL_CHARACTERS.sub("", fragment.text).split()
    if not parts:
        return []
    box, total = fragment.box, len(" ".join(parts))
    words, offset = [], 0
    for part in parts:
        left = box.left + box.width * offset // total
        right = box.left + box.width * (offset + len(part)) // total
        words.append(
            Word(part, round(fragment.confidence, 4), Box(left, box.top, right, box.bottom))
        )
        offset += len(part) + 1
    return words


def group_lines(words: list[Word]) -> list[Line]:
    """Group words into lines, top to bottom: left to right, a word continues the line whose
    last word it sits beside (the middle of either within the other's height).

    Each word is measured against its neighbour, not against all the line holds so far: a
    slanted line's words span more than a line's height, and the lines below joined it.
    """
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.box.left, w.box.middle)):
        beside = [line for line in lines if _beside(line[-1].box, word.box)]
        if beside:
            min(beside, key=lambda line: abs(line[-1].box.middle - word.box.middle)).append(word)
        else:
            lines.append([word])
    lines.sort(key=lambda line: line[0].box.middle)
    return [Line(without_repeats(line)) for line in lines]


def _beside(first: Box, second: Box) -> bool:
    """Whether two words sit on one line: the middle of either within the other's height."""
    return first.top <= second.middle <= first.bottom or second.top <= first.middle <= second.bottom


def _overlap(first: Box, second: Box) -> float:
    """Return how much of the narrower box the two share across the page (0 to 1)."""
    shared = min(first.right, second.right) - max(first.left, second.left)
    return max(shared, 0) / max(min(first.width, second.width), 1)


def without_repeats(words: list[Word]) -> tuple[Word, ...]:
    """Return a line's words left to right, a word read twice in one place kept once.

    EasyOCR's regions on a slanted line can overlap, and both read the word they share.
    """
    kept: list[Word] = []
    for word in sorted(words, key=lambda w: w.box.left):
        last = kept[-1] if kept else None
        if last and last.text.lower() == word.text.lower() and _overlap(last.box, word.box) > 0.5:
            continue
        kept.append(word)
    return tuple(kept)
