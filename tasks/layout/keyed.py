"""An engine's own layout: fragments that carry their block, paragraph and line."""

from itertools import groupby

from tasks.document import Block, Fragment, Line
from tasks.layout.words import split_words


def keyed_blocks(fragments: list[Fragment]) -> list[Block]:
    """Group fragments into paragraphs and lines by their keys, in the engine's order."""
    blocks = []
    for _, in_paragraph in groupby(fragments, key=lambda f: f.line_key[:2]):
        lines = []
        for _, in_line in groupby(in_paragraph, key=lambda f: f.line_key):
            words = tuple(word for fragment in in_line for word in split_words(fragment))
            if words:
                lines.append(Line(words))
        if lines:
            blocks.append(Block(tuple(lines)))
    return blocks
