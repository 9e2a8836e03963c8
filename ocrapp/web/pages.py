"""A task's pages, each readable as soon as its worker has stored it, while the task runs."""

import json
from pathlib import Path
from typing import Literal

from flask import Response, current_app, jsonify
from pydantic import BaseModel, Field
from sqlalchemy import select

from ocrapp.core.db import db
from ocrapp.core.models import Task, TaskPage, TaskStatus
from ocrapp.core.plain_text import plain_text
from ocrapp.core.storage import RESULT_FORMATS, StorageError, get_storage
from ocrapp.core.task_view import Schema
from ocrapp.web.downloads import TEXT, content_disposition
from ocrapp.web.errors import ApiError
from ocrapp.web.openapi import answers, api_blueprint
from ocrapp.web.requests import load_own_task
from ocrapp.web.schemas import TASK_ID, Parameters, TaskPath

bp = api_blueprint("pages", __name__, "A task's pages, each readable as soon as it is finished.")
PAGE_FORMATS = ("json", "txt")
PAGE = {
    "description": "The page, `inline`, named after the upload and the page's number.",
    "content": {"application/json": {"schema": {"type": "object"}}, "text/plain": TEXT},
}


class PageLinks(BaseModel):
    json_url: str = Field(alias="json", description="The page as JSON.")
    txt: str = Field(description="The page's text.")


class PageSummary(Schema):
    """A finished page: how it was read, and where to fetch it."""

    number: int = Field(description="From 1.")
    source: str = Field(description="`ocr`, or `text-layer`: taken from the PDF's text.")
    rotation: int = Field(description="Degrees it was turned clockwise to read it upright.")
    skew: float = Field(
        description="Degrees it was then turned clockwise to level its lines (they rose by"
        " as much, anticlockwise: it was fed askew)."
    )
    word_count: int
    confidence: float = Field(description="Mean word confidence, 0 to 1.")
    links: PageLinks


class PageList(Schema):
    """The pages finished so far, by number."""

    task_id: str
    status: TaskStatus
    page_count: int | None = Field(description="The file's pages, once a worker opened it.")
    pages: list[PageSummary]


class PagePath(BaseModel):
    task_id: str = TASK_ID
    number: int = Field(ge=1, le=2_147_483_647, description="The page's number, from 1.")


class PageQuery(Parameters):
    format: Literal[PAGE_FORMATS] = "json"


def page_url(task_id: str, number: int, page_format: str) -> str:
    """Return the API path of one page in `page_format`."""
    return f"/api/tasks/{task_id}/pages/{number}?format={page_format}"


def summary(row: TaskPage) -> dict:
    """Describe a stored page, with its links."""
    links = {fmt: page_url(row.task_id, row.number, fmt) for fmt in PAGE_FORMATS}
    return {
        "number": row.number,
        "source": row.source,
        "rotation": row.rotation,
        "skew": row.skew,
        "wordCount": row.word_count,
        "confidence": row.confidence_score,
        "links": links,
    }


@bp.get(
    "/tasks/<task_id:task_id>/pages",
    responses=answers({200: PageList}, {404: ["task_not_found", "not_found"]}),
)
def list_pages(path: TaskPath):
    """List the task's pages finished so far, by number, with links to each.

    A worker stores each page as soon as it has read it, so the list grows while the task
    is `processing`; it has every page once the task is `completed`.
    """
    with db.session() as session:
        task = load_own_task(session, path.task_id)
        rows = session.scalars(
            select(TaskPage).where(TaskPage.task_id == task.id).order_by(TaskPage.number)
        )
        pages = [summary(row) for row in rows]
        return jsonify(taskId=task.id, status=task.status, pageCount=task.page_count, pages=pages)


@bp.get(
    "/tasks/<task_id:task_id>/pages/<int:number>",
    responses=answers(
        {200: PAGE},
        {
            404: ["task_not_found", "page_not_ready", "page_not_found", "not_found"],
            503: ["storage_unavailable"],
        },
    ),
)
def get_page(path: PagePath, query: PageQuery):
    """Download one page as soon as it is finished, while the task still runs: json or txt.

    - `json`: the page as in the `pages` of the task's JSON result: its `blocks`, `lines`
      and `words` with boxes and confidences, its `rotation`, `skew`, `source` and size.
    - `txt`: its text, as in the task's txt result.

    A page not read yet answers `404 page_not_ready` while the task is `queued` or
    `processing` (ask again later); one the task will never have (past its `pageCount`, or
    the task ended without it), `404 page_not_found`.
    """
    with db.session() as session:
        task = load_own_task(session, path.task_id)
        key = session.scalar(
            select(TaskPage.result_key).where(
                TaskPage.task_id == task.id, TaskPage.number == path.number
            )
        )
        if key is None:
            raise missing_page(task, path.number)
        name = f"{Path(task.file.original_filename).stem or 'page'}-page-{path.number}"
    try:
        data = get_storage(current_app.config).get(key)
    except StorageError as error:  # deleted meanwhile
        raise ApiError(404, "page_not_found", f"Page {path.number} is gone.") from error
    if query.format == "txt":
        data = plain_text([json.loads(data)["text"]])
    response = Response(data, content_type=RESULT_FORMATS[query.format])
    response.headers["Content-Disposition"] = content_disposition(
        "inline", f"{name}.{query.format}"
    )
    return response


def missing_page(task: Task, number: int) -> ApiError:
    """Say why page `number` cannot be had: not read yet, or never to be."""
    # Counted at upload (the file's), or by the worker (the task's) for older files.
    page_count = task.page_count or task.file.page_count
    beyond = page_count is not None and number > page_count
    if task.status.finished or beyond:
        return ApiError(404, "page_not_found", f"The task has no page {number}.")
    return ApiError(
        404,
        "page_not_ready",
        f"Page {number} is not finished yet; the task is {task.status.value}.",
    )
