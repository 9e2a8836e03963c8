"""The OCR task: load the task's file, recognise it, store the result."""

import io
import logging

from celery import shared_task
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from ocrapp import lifecycle
from ocrapp.db import db
from ocrapp.jobs import OCR_TASK_NAME
from ocrapp.models import Result, Task, TaskStatus
from ocrapp.storage import RESULT_FORMATS, get_storage, result_key
from tasks import render
from tasks.document import Page
from tasks.engines import load_engine
from tasks.errors import InvalidImage

log = logging.getLogger(__name__)


def open_image(data: bytes) -> Image.Image:
    """Decode an uploaded image (the first frame of an animation), upright, in RGB."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidImage(f"The image could not be decoded: {error}") from error


def save_result(task: Task, pages: list[Page]) -> None:
    """Store the result files, then record the result row (replacing one from an earlier try)."""
    storage = get_storage(current_app.config)
    rendered = {
        "json": render.render_json(pages),
        "txt": render.render_text(pages),
        "html": render.render_html(pages, title=task.file.original_filename),
    }
    for result_format, data in rendered.items():
        key = result_key(task.user_id, task.id, result_format)
        storage.put(key, data, RESULT_FORMATS[result_format])
    summary = render.summary(pages)
    with db.session() as session:
        result = session.query(Result).filter_by(task_id=task.id).one_or_none() or Result(
            task_id=task.id
        )
        result.result_key = result_key(task.user_id, task.id, "html")
        result.extracted_text = summary["text"]
        result.confidence_score = summary["confidence"]
        result.word_count = summary["wordCount"]
        result.page_count = summary["pageCount"]
        session.add(result)


@shared_task(name=OCR_TASK_NAME)
def recognize_file(task_id: str) -> None:
    """Run OCR on the file of task `task_id`; the signal handlers record the status."""
    with db.session() as session:
        task = session.get(Task, task_id)
    if task is not None and task.status is TaskStatus.QUEUED:
        # task_prerun could not record the start (its error is logged): record it now,
        # or fail here, so that the task cannot stay queued.
        task = lifecycle.mark_processing(task_id) or task
    if task is None or task.status is not TaskStatus.PROCESSING:
        log.warning("task %s is %s; nothing to do", task_id, task and task.status)
        return
    image = open_image(get_storage(current_app.config).get(task.file.storage_key))
    lifecycle.report_progress(task_id, 10, f"Image loaded ({image.width}x{image.height})")
    engine = load_engine(task.engine, current_app.config["TORCH_THREADS"])
    page = engine.recognize(
        image,
        progress=lambda percent, message: lifecycle.report_progress(task_id, percent, message),
    )
    save_result(task, [page])
