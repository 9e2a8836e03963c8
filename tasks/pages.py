"""A task's pages: open them from its file, read one, store it, take back the stored ones."""

import io
import json

from flask import current_app
from PIL import Image
from sqlalchemy import select

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import FileType, Task, TaskPage, TaskStatus
from ocrapp.core.page_limits import check_pages
from ocrapp.core.runs import Run, check_owner
from ocrapp.core.storage import (
    RESULT_FORMATS,
    get_storage,
    page_image_key,
    page_key,
    task_prefix,
)
from tasks.errors import TaskCancelled
from tasks.pipeline import render
from tasks.pipeline.document import Page
from tasks.pipeline.engines import ProgressCallback
from tasks.pipeline.layout import build_page
from tasks.pipeline.orientation import set_straight
from tasks.pipeline.page_images import content_type, encode_page
from tasks.pipeline.reading import EngineLoader, read_image
from tasks.pipeline.sources import SourcePage, image_pages, pdf_pages


def open_pages(task: Task, data: bytes, first: int = 1, last: int | None = None):
    """Return the page count of the task's file, within MAX_PAGES, and its pages
    `first`..`last` (to the end by default); no other page is rendered."""
    config = current_app.config
    if task.file.file_type is FileType.PDF:
        force_ocr = bool(task.options.get("forceOcr"))
        count, pages = pdf_pages(
            data, config["PDF_DPI"], config["MAX_PAGE_PIXELS"], force_ocr, first, last
        )
    else:
        count, pages = image_pages(data, config["MAX_PAGE_PIXELS"], first, last)
    check_pages(count, config["MAX_PAGES"])  # at upload too, unless it could not count them
    return count, pages


def recognize_page(
    source: SourcePage,
    engine: str,
    languages: list[str],
    progress: ProgressCallback,
    load: EngineLoader,
) -> Page:
    """Return the page laid out, from its text layer or by OCR (`source` is left as read:
    upright and level)."""
    image = source.image
    if source.text_layer is not None:
        page = build_page(source.text_layer, source.number, image.width, image.height)
        page.source, page.rotation = "text-layer", source.rotation
        return page
    source.image, page = read_image(source.image, engine, languages, source.number, progress, load)
    return page


def image_as_read(source: SourcePage, page: Page) -> Image.Image:
    """Return the source's image as `page` was read from it, for a page stored by an
    earlier run: turned upright and levelled as OCR turned it; a text layer's page comes
    upright already."""
    if source.text_layer is not None:
        return source.image
    return set_straight(source.image, page.rotation, page.skew)


def stored_numbers(task: Task) -> dict[int, str]:
    """Return the storage keys of the pages an earlier run of the task finished, by number."""
    with db.session() as session:
        return dict(session.query(TaskPage.number, TaskPage.result_key).filter_by(task_id=task.id))


def stored_pages(task: Task) -> dict[int, Page]:
    """Return the pages an earlier run of the task finished, by number."""
    storage = get_storage(current_app.config)
    return {
        number: Page.from_dict(json.loads(storage.get(key)))
        for number, key in stored_numbers(task).items()
    }


def store_page_image(task: Task, source: SourcePage) -> None:
    """Keep a split task's page image as read (upright, level), encoded for its searchable
    PDF (Group 4 or JPEG) with its dpi."""
    key = page_image_key(task.user_id, task.id, source.number)
    data = encode_page(source.image, source.dpi)
    get_storage(current_app.config).put(key, data, content_type(data))


def page_image(task: Task, number: int) -> tuple[bytes, float]:
    """Return a split task's stored page image (`encode_page`'s) and its dpi."""
    data = get_storage(current_app.config).get(page_image_key(task.user_id, task.id, number))
    return data, float(Image.open(io.BytesIO(data)).info.get("dpi", (300,))[0])


def store_page(
    task: Task, page: Page, split_pages: int | None = None, run: Run | None = None
) -> None:
    """Keep a finished page, so that a crash later on does not lose it; a page of a split
    task of `split_pages` pages is counted in its progress. RunSuperseded if `run` no
    longer holds the task or range (its page, stored under the same key, is the new run's)."""
    key, data = page_key(task.user_id, task.id, page.number), render.page_json(page)
    storage = get_storage(current_app.config)
    storage.put(key, data, RESULT_FORMATS["json"])
    with db.session() as session:
        if (locked := lifecycle.locked_task(session, task.id)) is None:
            # Deleted while the page was read: keep nothing of it (its image included).
            storage.delete_prefix(task_prefix(task.user_id, task.id))
            raise TaskCancelled("The task was deleted.")
        check_owner(session, run)
        row = session.query(TaskPage).filter_by(task_id=task.id, number=page.number).first()
        row = row or TaskPage(task_id=task.id, number=page.number)
        row.source, row.rotation, row.skew = page.source, page.rotation, page.skew
        row.result_key = key
        row.size_bytes = len(data)  # counted in the user's quota
        row.word_count, row.confidence_score = page.word_count, page.confidence
        session.add(row)
        if split_pages:
            session.flush()
            lifecycle.record_page_done(session, locked, page.number, split_pages)


def stop_if_cancelled(task: Task) -> None:
    """Stop between pages if the user cancelled the task (the worker and its model stay up)."""
    with db.session() as session:
        # No row (None): the task was deleted, which stops it too.
        if session.scalar(select(Task.cancel_requested).where(Task.id == task.id)) is not False:
            raise TaskCancelled("The task was cancelled.")


def stop_unless_running(task: Task) -> None:
    """Stop a range between pages if its task was cancelled, or ended (another range failed)."""
    with db.session() as session:
        row = session.execute(
            select(Task.cancel_requested, Task.status).where(Task.id == task.id)
        ).first()
    if row is None or row.cancel_requested or row.status is not TaskStatus.PROCESSING:
        raise TaskCancelled("The task was cancelled.")
