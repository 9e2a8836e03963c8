"""Reading order: columns, paragraphs, lines and words, whatever order an engine found them in."""

from tasks.document import Box, Fragment, join_lines
from tasks.layout import build_page, split_words


def fragment(text: str, left: int, top: int, height: int = 20, confidence: float = 0.9):
    return Fragment(text, confidence, Box(left, top, left + 12 * len(text), top + height))


def column(texts: list[str], left: int, top: int, pitch: int = 28) -> list[Fragment]:
    """Lines of one column, `pitch` pixels apart (8 px of line spacing at height 20)."""
    return [fragment(text, left, top + n * pitch) for n, text in enumerate(texts)]


def test_lines_read_top_to_bottom_and_left_to_right_whatever_the_detector_order():
    # Words 10 px apart, half the text height: one line, not two columns.
    detected = [fragment("world", 70, 12), fragment("second", 0, 40), fragment("hello", 0, 10)]
    detected.append(fragment("line", 82, 38))
    page = build_page(detected, 1, 400, 100)
    assert [line.text for line in page.lines] == ["hello world", "second line"]
    assert page.text == "hello world second line"


def test_two_columns_are_read_one_after_the_other():
    left = column(["left one", "left two", "left three"], 0, 0)
    right = column(["right one", "right two", "right three"], 300, 0)
    page = build_page(right[::-1] + left, 1, 600, 100)
    assert [line.text for line in page.lines] == [
        "left one",
        "left two",
        "left three",
        "right one",
        "right two",
        "right three",
    ]
    assert len(page.blocks) == 2


def test_a_heading_over_two_columns_comes_first():
    heading = [fragment("The heading", 0, 0)]
    body = column(["left a", "left b"], 0, 60) + column(["right a", "right b"], 300, 60)
    page = build_page(body + heading, 1, 600, 200)
    assert [block.text for block in page.blocks] == [
        "The heading",
        "left a left b",
        "right a right b",
    ]


def test_paragraphs_split_at_gaps_wider_than_line_spacing():
    page = build_page(column(["one", "two"], 0, 0) + column(["three"], 0, 100), 1, 300, 200)
    assert [block.text for block in page.blocks] == ["one two", "three"]
    assert page.text == "one two\n\nthree"


def test_hyphenated_line_ends_are_joined_again():
    assert join_lines(["an exam-", "ple of re-", "joining"]) == "an example of rejoining"
    assert join_lines(["well-", "Known stays"]) == "well- Known stays"


def test_fragments_become_words_with_their_share_of_the_box():
    words = split_words(Fragment("ab cdef", 0.8, Box(0, 0, 70, 10)))
    assert [(w.text, w.box.left, w.box.right) for w in words] == [("ab", 0, 20), ("cdef", 30, 70)]


def test_page_confidence_is_the_mean_word_confidence():
    page = build_page(
        [fragment("a b", 0, 0, confidence=0.5), fragment("c", 200, 0, confidence=1.0)], 1, 300, 30
    )
    assert page.confidence == round((0.5 + 0.5 + 1.0) / 3, 4)


def test_blank_fragments_are_dropped():
    assert build_page([fragment("  ", 0, 0)], 1, 10, 10).blocks == []
