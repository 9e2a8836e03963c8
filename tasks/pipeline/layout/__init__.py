"""Reading order: an engine's fragments laid out as a page of paragraphs, lines and words.

Three ways, best first: the engine's own layout (Tesseract's blocks, paragraphs and
lines, in its order); another engine's words placed into that layout (EasyOCR's words
into Tesseract's lines); a recursive XY-cut of the words alone, where no layout exists.
A table ruled in a grid is read by its cells first (`grids.py`).
"""

from tasks.pipeline.document import Block, Fragment, Page
from tasks.pipeline.layout.guided import Guide, place_words
from tasks.pipeline.layout.keyed import keyed_blocks
from tasks.pipeline.layout.words import split_words
from tasks.pipeline.layout.xy_cut import xy_cut_blocks

__all__ = ["Guide", "build_page", "split_words"]


def layout_blocks(fragments: list[Fragment], guide: Guide | None = None) -> list[Block]:
    """Return the fragments' words as paragraphs in reading order."""
    if fragments and all(fragment.line_key is not None for fragment in fragments):
        return keyed_blocks(fragments)
    words = [word for fragment in fragments for word in split_words(fragment)]
    placed = place_words(words, guide) if guide is not None else None
    return placed if placed is not None else xy_cut_blocks(words)


def build_page(
    fragments: list[Fragment],
    number: int,
    width: int,
    height: int,
    guide: Guide | None = None,
    **details,
) -> Page:
    """Lay out an engine's fragments as a page read in order (`guide`: a layout to follow)."""
    return Page(number, width, height, blocks=layout_blocks(fragments, guide), **details)
