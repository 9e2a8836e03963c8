"""Results rendered for storage: JSON with lines and boxes, plain text, and HTML."""

import json
from html import escape

from tasks.document import Page

PAGE_BREAK = "\n\f\n"


def document_text(pages: list[Page]) -> str:
    """Return the text of every page, pages separated by a form feed."""
    return PAGE_BREAK.join(page.text for page in pages)


def summary(pages: list[Page]) -> dict:
    """Return the text, word count, page count and mean line confidence of `pages`."""
    lines = [line for page in pages for line in page.lines]
    confidence = sum(line.confidence for line in lines) / len(lines) if lines else 0.0
    return {
        "text": document_text(pages),
        "wordCount": sum(page.word_count for page in pages),
        "pageCount": len(pages),
        "confidence": round(confidence, 4),
    }


def render_json(pages: list[Page]) -> bytes:
    """Render the text and every line with its confidence and bounding box."""
    return json.dumps({**summary(pages), "pages": [page.to_dict() for page in pages]}).encode()


def render_text(pages: list[Page]) -> bytes:
    """Render the plain text, pages separated by a form feed."""
    return document_text(pages).encode()


def _html_line(line) -> str:
    box = line.box
    style = (
        f"left:{box.left}px;top:{box.top}px;width:{box.right - box.left}px;"
        f"height:{box.height}px;font-size:{max(box.height * 3 // 4, 1)}px"
    )
    return (
        f'<p class="ocr-line" style="{style}" data-confidence="{line.confidence:.4f}">'
        f"{escape(line.text)}</p>"
    )


def render_html(pages: list[Page], title: str) -> bytes:
    """Render a document with each line positioned where it was found, a section per page."""
    sections = [
        f'<section class="ocr-page" data-page="{number}" '
        f'style="position:relative;width:{page.width}px;height:{page.height}px">\n'
        + "\n".join(_html_line(line) for line in page.lines)
        + "\n</section>"
        for number, page in enumerate(pages, start=1)
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>"
        ".ocr-page{border:1px solid #ccc;margin:1em auto}"
        ".ocr-line{position:absolute;margin:0;white-space:nowrap}"
        "</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    ).encode()
