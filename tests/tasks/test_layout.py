"""Reading order of detected text fragments."""

from tasks.document import Box, Fragment
from tasks.layout import reading_order


def fragment(text: str, left: int, top: int, width: int = 80, height: int = 20) -> Fragment:
    return Fragment(text, 0.9, Box(left, top, left + width, top + height))


def test_lines_read_top_to_bottom_and_left_to_right_whatever_the_detector_order():
    detected = [
        fragment("world", 100, 12),
        fragment("second", 0, 60),
        fragment("hello", 0, 10),
        fragment("line", 100, 58),
    ]
    lines = reading_order(detected)
    assert [line.text for line in lines] == ["hello world", "second line"]
    assert lines[0].box == Box(0, 10, 180, 32)


def test_line_confidence_is_weighted_by_length():
    lines = reading_order(
        [
            Fragment("a", 0.5, Box(0, 0, 10, 20)),
            Fragment("bbb", 1.0, Box(20, 0, 50, 20)),
        ]
    )
    assert lines[0].confidence == (0.5 * 1 + 1.0 * 3) / 4


def test_blank_fragments_are_dropped():
    assert reading_order([fragment("  ", 0, 0)]) == []
