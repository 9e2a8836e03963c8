"""A task's result: every format stored, one result row; for a split task, assembled
from its stored pages in page order."""

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from flask import current_app

from ocrapp.core import ranges
from ocrapp.core.db import db
from ocrapp.core.models import Result, Task
from ocrapp.core.runs import Run, check_owner
from ocrapp.core.storage import RESULT_FORMATS, get_storage, result_key
from tasks.errors import TaskCancelled
from tasks.pages import page_image, stored_pages
from tasks.pipeline import render
from tasks.pipeline.document import Page
from tasks.pipeline.searchable_pdf import SearchablePdfWriter


def _store(task: Task, result_format: str, data: bytes | Path) -> int:
    """Store one format of the result (bytes, or a file streamed from disk); return its size."""
    storage, key = get_storage(current_app.config), result_key(task.user_id, task.id, result_format)
    if isinstance(data, Path):
        storage.put_file(key, data, RESULT_FORMATS[result_format])
        return data.stat().st_size
    storage.put(key, data, RESULT_FORMATS[result_format])
    return len(data)


def save_result(
    task: Task, pages: list[Page], pdf: bytes | Path, engine: dict, run: Run | None = None
) -> None:
    """Store every result format, then record the result row (replacing an earlier try's);
    RunSuperseded if `run` no longer holds the task or range.

    `pdf` is the searchable PDF, in memory or in a file.
    """
    title = task.file.original_filename
    rendered = {
        "json": render.render_json(task.id, pages, engine),
        "txt": render.render_text(pages),
        "html": render.render_html(pages, title),
        "hocr": render.render_hocr(pages, title),
        "pdf": pdf,
    }
    size = sum(_store(task, result_format, data) for result_format, data in rendered.items())
    summary = render.summary(pages)
    with db.session() as session:
        if session.get(Task, task.id, with_for_update=True) is None:
            storage = get_storage(current_app.config)
            for result_format in rendered:  # deleted while rendering: keep nothing of it
                storage.delete(result_key(task.user_id, task.id, result_format))
            raise TaskCancelled("The task was deleted.")
        check_owner(session, run)  # the formats it stored are under the new run's keys
        result = session.query(Result).filter_by(task_id=task.id).first() or Result(task_id=task.id)
        result.result_key = result_key(task.user_id, task.id, "html")
        result.extracted_text = summary["text"]
        result.confidence_score = summary["confidence"]
        result.word_count = summary["wordCount"]
        result.page_count = summary["pageCount"]
        result.size_bytes = size  # every format, counted in the quota
        session.add(result)


def write_searchable_pdf(path: Path, parts: Iterable[tuple[bytes, Page, float]]) -> None:
    """Write the searchable PDF of (page image, page, dpi) parts to `path`, a page at a time."""
    with SearchablePdfWriter(path) as pdf:
        for picture, page, dpi in parts:
            pdf.add_page(picture, page, dpi)  # embedded as stored, not decoded and encoded again


def _pdf_parts(task: Task, pages: list[Page]) -> Iterator[tuple[bytes, Page, float]]:
    """Yield each page's stored image, the page and its dpi, one page at a time."""
    for page in pages:
        picture, dpi = page_image(task, page.number)
        yield picture, page, dpi


def assemble_result(task: Task, engine: str, languages: list[str], run: Run | None = None) -> None:
    """Store a split task's result from its stored pages, in page order, then remove the
    page images it kept for the searchable PDF."""
    pages = [page for _, page in sorted(stored_pages(task).items())]
    engine_info = {
        "name": engine,
        "languages": languages,
        "calls": sum(page.source == "ocr" for page in pages),
    }
    with tempfile.TemporaryDirectory(prefix="ocrapp-pdf-") as folder:
        path = Path(folder) / "result.pdf"
        write_searchable_pdf(path, _pdf_parts(task, pages))
        save_result(task, pages, path, engine_info, run)
    ranges.remove_page_images(task.id, 1, len(pages))
