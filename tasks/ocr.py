"""The OCR tasks: a file read page by page, or a long one read in page ranges at once."""

import logging
from functools import partial

from celery import shared_task
from flask import current_app

from ocrapp.core import ranges
from ocrapp.core.admission import admit
from ocrapp.core.errors import DomainError
from ocrapp.core.jobs import ASSEMBLED, OCR_TASK_NAME, RANGE_TASK_NAME, SPLIT
from ocrapp.core.models import Task
from ocrapp.core.runs import Run
from ocrapp.core.storage import get_storage
from tasks.errors import memory_cap_as_failure
from tasks.pages import (
    image_as_read,
    open_pages,
    recognize_page,
    stop_if_cancelled,
    stop_unless_running,
    store_page,
    store_page_image,
    stored_numbers,
    stored_pages,
)
from tasks.pipeline.document import Page
from tasks.pipeline.engines import load_engine
from tasks.pipeline.page_images import encode_page
from tasks.pipeline.searchable_pdf import SearchablePdfWriter
from tasks.pipeline.stages import StageClock
from tasks.progress import PageProgress
from tasks.results import assemble_result, save_result
from tasks.retrying import waits_out_outages

log = logging.getLogger(__name__)


class MaxRetriesFromConfig:
    """A task's `max_retries`: its app's MAX_ATTEMPTS less the first run, read when asked.

    Celery asks when the task retries and, in the worker's main process, when a pool process
    was lost: the app's config then applies, not the environment when this module was loaded.
    """

    def __get__(self, task: object, task_class: type) -> int:
        return task_class.app.flask_app.config["MAX_ATTEMPTS"] - 1


# max_retries bounds the runs after a lost worker (task_retry_on_worker_lost); a range has
# as many runs as a task. An outage of a service is waited out apart (tasks.retrying).
RETRIED = {
    "bind": True,
    "max_retries": MaxRetriesFromConfig(),
    # The run after a lost pool process (WorkerLostError) starts at once, not in 180 s.
    "default_retry_delay": 1,
    # A failure on its input (DomainError) is an outcome, not a bug: Celery logs it
    # without a traceback, and `signals.on_task_failure` one WARNING line with its code.
    "throws": (DomainError,),
}


@shared_task(name=OCR_TASK_NAME, **RETRIED)
@waits_out_outages
def recognize_file(_task, task_id: str) -> str | None:
    """Run OCR on the file of task `task_id`; the signal handlers record the status."""
    with memory_cap_as_failure():
        return read_file(task_id)


@shared_task(name=RANGE_TASK_NAME, **RETRIED)
@waits_out_outages
def recognize_range(_task, task_id: str, first: int, last: int, page_count: int) -> str | None:
    """Run OCR on pages `first`..`last` of a split task; the last range assembles the result."""
    with memory_cap_as_failure():
        return read_range(task_id, first, last, page_count)


def engine_loader():
    """Return the worker's engine loader (engines are loaded once per process)."""
    config = current_app.config
    return partial(load_engine, threads=config["TORCH_THREADS"], device=config["OCR_DEVICE"])


def read_file(task_id: str) -> str | None:
    """Read every page of the task's file and save the result, or split it into ranges."""
    task = admit(task_id, current_app.config["USER_CONCURRENCY"])
    if task is None:
        return None
    config = current_app.config
    page_count, sources = open_pages(task, get_storage(config).get(task.file.storage_key))
    if ranges.should_split(page_count, config):
        ranges.split_task(task_id, page_count)
        return SPLIT
    languages = task.options.get("languages") or ["eng"]
    clock = StageClock()
    with SearchablePdfWriter() as pdf:  # on a stop or an error: closed, its file removed
        pages, read = read_pages_into(pdf, task, sources, page_count, languages, clock)
        stop_if_cancelled(task)
        engine_info = {"name": task.engine, "languages": languages, "calls": read}
        with clock.stage("results"), pdf.finished() as pdf_file:
            save_result(task, pages, pdf_file, engine_info, Run.of(task))  # PDF from its file
    clock.report("results")
    return None


def read_pages_into(
    pdf: SearchablePdfWriter,
    task: Task,
    sources,
    page_count: int,
    languages: list[str],
    clock: StageClock,
) -> tuple[list[Page], int]:
    """Read (or take as stored) each page and add it to `pdf`; return the pages and the
    number read by OCR."""
    run = Run.of(task)  # the task as admitted: its run's token
    progress = PageProgress(run, page_count, current_app.config["PROGRESS_INTERVAL"])
    load = engine_loader()
    pages, read = [], 0
    done = stored_pages(task)  # after a lost worker, the pages it finished are kept
    for source in clock.timed(sources, "render"):
        with clock.stage("bookkeeping"):
            stop_if_cancelled(task)
        if source.number in done:
            page = done[source.number]
            source.image = image_as_read(source, page)
        else:
            with clock.stage("bookkeeping"):
                # A page taken from a text layer takes milliseconds: it need not be announced.
                progress.start_page(source.number, slow=source.text_layer is None)
            with clock.stage("read"):
                page = recognize_page(source, task.engine, languages, progress.within_page, load)
            with clock.stage("store page"):
                store_page(task, page, run=run)
            read += page.source == "ocr"
        with clock.stage("searchable pdf"):
            pdf.add_page(encode_page(source.image), page, source.dpi)
        pages.append(page)
        clock.report(f"page {source.number} of {page_count}")
    return pages, read


def read_range(task_id: str, first: int, last: int, page_count: int) -> str | None:
    """Read and store the range's pages not stored yet; assemble the result if it is last."""
    started = ranges.start_range(task_id, first)
    if started is None:
        return None
    task, task_range = started
    run = Run.of(task_range)
    languages = task.options.get("languages") or ["eng"]
    if len(done := stored_numbers(task).keys() & range(first, last + 1)) <= last - first:
        data = get_storage(current_app.config).get(task.file.storage_key)
        _, sources = open_pages(task, data, first, last)
        read_pages(task, run, sources, done, languages, page_count)
    stop_unless_running(task)
    if not ranges.finish_range(task_id, first, page_count, run):
        return None
    clock = StageClock()
    with clock.stage("assembly"):
        assemble_result(task, task.engine, languages, run)
    clock.report(f"pages {first} to {last} of {page_count}, and the result")
    ranges.assembled(task_id, first, run)
    return ASSEMBLED


def read_pages(
    task: Task, run: Run, sources, done: set[int], languages: list[str], page_count: int
):
    """Read and store each page of `sources` not in `done`, reporting each as it is stored
    (while `run` holds the range)."""
    load, clock = engine_loader(), StageClock()
    for source in clock.timed(sources, "render"):
        with clock.stage("bookkeeping"):
            stop_unless_running(task)
        if source.number in done:
            continue
        with clock.stage("read"):
            page = recognize_page(source, task.engine, languages, lambda *_: None, load)
        with clock.stage("store page"):
            store_page_image(task, source)  # first: a stored page always has its image
            store_page(task, page, split_pages=page_count, run=run)
        clock.report(f"page {source.number} of {page_count}")
