"""Results rendered for storage: JSON, plain text, positioned HTML and hOCR."""

import json
from html import escape
from statistics import fmean

from ocrapp.core.plain_text import PAGE_BREAK, plain_text
from tasks.pipeline.document import Box, Page


def document_text(pages: list[Page]) -> str:
    """Return the text of every page, pages separated by a form feed."""
    return PAGE_BREAK.join(page.text for page in pages)


def summary(pages: list[Page]) -> dict:
    """Return the text, word count, page count and mean word confidence of `pages`."""
    words = [word for page in pages for word in page.words]
    return {
        "text": document_text(pages),
        "wordCount": len(words),
        "pageCount": len(pages),
        "confidence": round(fmean(w.confidence for w in words), 4) if words else 0.0,
    }


def render_json(task_id: str, pages: list[Page], engine: dict) -> bytes:
    """Render the text and every page's blocks, lines and words with boxes and confidences."""
    document = {
        "taskId": task_id,
        **summary(pages),
        "engine": engine,
        "pages": [page.to_dict() for page in pages],
    }
    return json.dumps(document, ensure_ascii=False).encode()


def page_json(page: Page) -> bytes:
    """Render one page as JSON, as it is kept while the task goes on."""
    return json.dumps(page.to_dict(), ensure_ascii=False).encode()


def render_text(pages: list[Page]) -> bytes:
    """Render the plain text: paragraphs apart by a blank line, pages by a form feed."""
    return plain_text([page.text for page in pages])


def _style(box: Box) -> str:
    return (
        f"left:{box.left}px;top:{box.top}px;width:{box.width}px;height:{box.height}px;"
        f"font-size:{max(box.height * 3 // 4, 1)}px"
    )


def _html_page(page: Page) -> str:
    lines = "\n".join(
        f'<p class="ocr-line" style="{_style(line.box)}" data-confidence="{line.confidence:.4f}">'
        f"{escape(line.text)}</p>"
        for line in page.lines
    )
    return (
        f'<section class="ocr-page" data-page="{page.number}" data-rotation="{page.rotation}" '
        f'data-skew="{page.skew}" '
        f'style="position:relative;width:{page.width}px;height:{page.height}px">\n{lines}\n'
        "</section>"
    )


def render_html(pages: list[Page], title: str) -> bytes:
    """Render a document with each line positioned where it was found, a section per page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>"
        ".ocr-page{border:1px solid #ccc;margin:1em auto}"
        ".ocr-line{position:absolute;margin:0;white-space:nowrap}"
        "</style></head><body>\n"
        + "\n".join(_html_page(page) for page in pages)
        + "\n</body></html>\n"
    ).encode()


def _bbox(box: Box) -> str:
    return f"bbox {box.left} {box.top} {box.right} {box.bottom}"


def _hocr_page(page: Page) -> str:
    """Render one page as hOCR: ocr_page > ocr_carea > ocr_par > ocr_line > ocrx_word."""
    n, parts = page.number, []
    parts.append(
        f'<div class="ocr_page" id="page_{n}" title="bbox 0 0 {page.width} {page.height}; '
        f'ppageno {n - 1}">'
    )
    for b, block in enumerate(page.blocks, start=1):
        parts.append(f'<div class="ocr_carea" id="block_{n}_{b}" title="{_bbox(block.box)}">')
        parts.append(f'<p class="ocr_par" id="par_{n}_{b}" title="{_bbox(block.box)}">')
        for i, line in enumerate(block.lines, start=1):
            words = " ".join(
                f'<span class="ocrx_word" id="word_{n}_{b}_{i}_{w}" '
                f'title="{_bbox(word.box)}; x_wconf {round(word.confidence * 100)}">'
                f"{escape(word.text)}</span>"
                for w, word in enumerate(line.words, start=1)
            )
            parts.append(
                f'<span class="ocr_line" id="line_{n}_{b}_{i}" title="{_bbox(line.box)}">'
                f"{words}</span>"
            )
        parts.append("</p></div>")
    parts.append("</div>")
    return "\n".join(parts)


def render_hocr(pages: list[Page], title: str) -> bytes:
    """Render the standard hOCR microformat, readable by hOCR tools."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n<head>\n'
        f"<title>{escape(title)}</title>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        '<meta name="ocr-system" content="ocrapp" />\n'
        '<meta name="ocr-capabilities" '
        'content="ocr_page ocr_carea ocr_par ocr_line ocrx_word" />\n'
        "</head>\n<body>\n" + "\n".join(_hocr_page(page) for page in pages) + "\n</body>\n</html>\n"
    ).encode()
