"""The OCR task: load the task's file, recognise it page by page, store the results."""

import json
import logging
from functools import partial

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from ocrapp.core.admission import admit
from ocrapp.core.db import db
from ocrapp.core.errors import DomainError
from ocrapp.core.jobs import OCR_TASK_NAME
from ocrapp.core.models import FileType, Result, Task, TaskPage
from ocrapp.core.page_limits import check_pages
from ocrapp.core.storage import RESULT_FORMATS, get_storage, page_key, result_key
from tasks.errors import TRANSIENT_ERRORS, TaskCancelled, memory_cap_as_failure
from tasks.pipeline import render
from tasks.pipeline.document import Page
from tasks.pipeline.engines import load_engine
from tasks.pipeline.layout import build_page
from tasks.pipeline.orientation import upright
from tasks.pipeline.reading import EngineLoader, read_image
from tasks.pipeline.searchable_pdf import SearchablePdf
from tasks.pipeline.sources import SourcePage, image_pages, pdf_pages
from tasks.pipeline.stages import StageClock
from tasks.progress import PageProgress

log = logging.getLogger(__name__)


def open_pages(task: Task, data: bytes):
    """Return the page count and the pages of the task's file, within MAX_PAGES."""
    config = current_app.config
    if task.file.file_type is FileType.PDF:
        force_ocr = bool(task.options.get("forceOcr"))
        count, pages = pdf_pages(data, config["PDF_DPI"], config["MAX_PAGE_PIXELS"], force_ocr)
    else:
        count, pages = image_pages(data, config["MAX_PAGE_PIXELS"])
    check_pages(count, config["MAX_PAGES"])  # at upload too, unless it could not count them
    return count, pages


def recognize_page(
    source: SourcePage,
    engine: str,
    languages: list[str],
    progress: PageProgress,
    load: EngineLoader,
) -> Page:
    """Return the page laid out, from its text layer or by OCR (`source` is left upright)."""
    image = source.image
    if source.text_layer is not None:
        page = build_page(source.text_layer, source.number, image.width, image.height)
        page.source = "text-layer"
        return page
    source.image, page = read_image(
        source.image, engine, languages, source.number, progress.within_page, load
    )
    return page


def stored_pages(task: Task) -> dict[int, Page]:
    """Return the pages an earlier run of the task finished, by number."""
    with db.session() as session:
        keys = dict(session.query(TaskPage.number, TaskPage.result_key).filter_by(task_id=task.id))
    storage = get_storage(current_app.config)
    return {number: Page.from_dict(json.loads(storage.get(key))) for number, key in keys.items()}


def store_page(task: Task, page: Page) -> None:
    """Keep a finished page, so that a crash later on does not lose it."""
    key, data = page_key(task.user_id, task.id, page.number), render.page_json(page)
    storage = get_storage(current_app.config)
    storage.put(key, data, RESULT_FORMATS["json"])
    with db.session() as session:
        if session.get(Task, task.id, with_for_update=True) is None:
            storage.delete(key)  # deleted while the page was read: keep nothing of it
            raise TaskCancelled("The task was deleted.")
        row = session.query(TaskPage).filter_by(task_id=task.id, number=page.number).first()
        row = row or TaskPage(task_id=task.id, number=page.number)
        row.source, row.rotation, row.result_key = page.source, page.rotation, key
        row.size_bytes = len(data)  # counted in the user's quota
        row.word_count, row.confidence_score = page.word_count, page.confidence
        session.add(row)


def save_result(task: Task, pages: list[Page], pdf: bytes, engine: dict) -> None:
    """Store every result format, then record the result row (replacing an earlier try's)."""
    title = task.file.original_filename
    rendered = {
        "json": render.render_json(task.id, pages, engine),
        "txt": render.render_text(pages),
        "html": render.render_html(pages, title),
        "hocr": render.render_hocr(pages, title),
        "pdf": pdf,
    }
    storage = get_storage(current_app.config)
    for result_format, data in rendered.items():
        storage.put(
            result_key(task.user_id, task.id, result_format), data, RESULT_FORMATS[result_format]
        )
    summary = render.summary(pages)
    with db.session() as session:
        if session.get(Task, task.id, with_for_update=True) is None:
            for result_format in rendered:  # deleted while rendering: keep nothing of it
                storage.delete(result_key(task.user_id, task.id, result_format))
            raise TaskCancelled("The task was deleted.")
        result = session.query(Result).filter_by(task_id=task.id).first() or Result(task_id=task.id)
        result.result_key = result_key(task.user_id, task.id, "html")
        result.extracted_text = summary["text"]
        result.confidence_score = summary["confidence"]
        result.word_count = summary["wordCount"]
        result.page_count = summary["pageCount"]
        result.size_bytes = sum(len(data) for data in rendered.values())  # counted in the quota
        session.add(result)


def stop_if_cancelled(task: Task) -> None:
    """Stop between pages if the user cancelled the task (the worker and its model stay up)."""
    with db.session() as session:
        # No row (None): the task was deleted, which stops it too.
        if session.scalar(select(Task.cancel_requested).where(Task.id == task.id)) is not False:
            raise TaskCancelled("The task was cancelled.")


class MaxRetriesFromConfig:
    """A task's `max_retries`: its app's MAX_ATTEMPTS less the first run, read when asked.

    Celery asks when the task retries and, in the worker's main process, when a pool process
    was lost: the app's config then applies, not the environment when this module was loaded.
    """

    def __get__(self, task: object, task_class: type) -> int:
        return task_class.app.flask_app.config["MAX_ATTEMPTS"] - 1


# max_retries bounds the runs after a lost worker (task_retry_on_worker_lost) and after
# transient errors, together.
@shared_task(
    name=OCR_TASK_NAME,
    max_retries=MaxRetriesFromConfig(),
    default_retry_delay=1,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    # A failure on its input (DomainError) is an outcome, not a bug: Celery logs it
    # without a traceback, and `signals.on_task_failure` one WARNING line with its code.
    throws=(DomainError,),
)
def recognize_file(task_id: str) -> None:
    """Run OCR on the file of task `task_id`; the signal handlers record the status."""
    with memory_cap_as_failure():
        read_file(task_id)


def read_file(task_id: str) -> None:
    """Read every page of the task's file and save the result."""
    task = admit(task_id, current_app.config["USER_CONCURRENCY"])
    if task is None:
        return
    config = current_app.config
    page_count, sources = open_pages(task, get_storage(config).get(task.file.storage_key))
    progress = PageProgress(task_id, page_count, config["PROGRESS_INTERVAL"])
    load = partial(load_engine, threads=config["TORCH_THREADS"], device=config["OCR_DEVICE"])
    languages = task.options.get("languages") or ["eng"]
    pdf, pages, read, clock = SearchablePdf(), [], 0, StageClock()
    done = stored_pages(task)  # after a lost worker, the pages it finished are kept
    for source in clock.timed(sources, "render"):
        with clock.stage("bookkeeping"):
            stop_if_cancelled(task)
        if source.number in done:
            page = done[source.number]
            source.image = upright(source.image, page.rotation)
        else:
            with clock.stage("bookkeeping"):
                # A page taken from a text layer takes milliseconds: it need not be announced.
                progress.start_page(source.number, slow=source.text_layer is None)
            with clock.stage("read"):
                page = recognize_page(source, task.engine, languages, progress, load)
            with clock.stage("store page"):
                store_page(task, page)
            read += page.source == "ocr"
        with clock.stage("searchable pdf"):
            pdf.add_page(source.image, page, source.dpi)
        pages.append(page)
        clock.report(f"page {source.number} of {page_count}")
    stop_if_cancelled(task)
    engine_info = {"name": task.engine, "languages": languages, "calls": read}
    with clock.stage("results"):
        save_result(task, pages, pdf.finish(), engine_info)
    clock.report("results")
