"""Words from fragments, and lines from words."""

import bisect
import re
from statistics import median

from tasks.pipeline.document import Box, Fragment, Line, Word

# Two words share over this part of the shorter one's height to sit on one line (a taller
# word of the line below, set closely, shares about half).
SAME_LINE = 0.6
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
    last word (or the one before, past a mark) it sits beside: they share most of the
    shorter one's height.

    Each word is measured against its neighbour, not against all the line holds so far: a
    slanted line's words span more than a line's height, and the lines below joined it.
    Lines are looked up by where their last word stands, so a long page stays quick.
    """
    unit = median(word.box.height for word in words) if words else 0
    lines: list[list[Word]] = []
    ends: list[tuple[float, int]] = []  # each line's last word's middle, and the line
    for word in sorted(words, key=lambda w: (w.box.left, w.box.middle)):
        low = bisect.bisect_left(ends, (word.box.middle - 2 * unit, -1))
        high = bisect.bisect_right(ends, (word.box.middle + 2 * unit, len(lines)))
        beside = [end for end in ends[low:high] if _continues(lines[end[1]], word)]
        if beside:
            end = min(beside, key=lambda end: abs(end[0] - word.box.middle))
            ends.remove(end)
            index = end[1]
            lines[index].append(word)
        else:
            index = len(lines)
            lines.append([word])
        bisect.insort(ends, (word.box.middle, index))
    lines.sort(key=lambda line: line[0].box.middle)
    return [Line(without_repeats(line)) for line in lines]


def _continues(line: list[Word], word: Word) -> bool:
    """Whether `word` sits beside the line's last word, or the one before (past a mark)."""
    return any(on_one_line(last.box, word.box) for last in line[-2:])


def on_one_line(first: Box, second: Box) -> bool:
    """Whether two words sit on one line: they share over SAME_LINE of the shorter's height."""
    shared = min(first.bottom, second.bottom) - max(first.top, second.top)
    return shared > SAME_LINE * max(min(first.height, second.height), 1)


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
