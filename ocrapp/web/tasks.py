"""The HTTP API: submit files, list tasks, read statuses and results."""

import logging
import re
from typing import Annotated, TypeVar

from flask import Blueprint, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ocrapp.core import lifecycle
from ocrapp.core.capabilities import registered_engines
from ocrapp.core.db import db
from ocrapp.core.models import Task
from ocrapp.core.submission import submit
from ocrapp.core.task_view import TaskView
from ocrapp.realtime.events import history
from ocrapp.web.auth import authenticate
from ocrapp.web.errors import ApiError

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api")
bp.before_request(authenticate)
QueryModel = TypeVar("QueryModel", bound=BaseModel)


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(20, ge=1, le=100, alias="perPage")


class SubmitForm(BaseModel):
    """The form fields that come with an upload."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    engine: str | None = Field(None, max_length=32)
    languages: list[Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,15}$")]] = Field(
        ["eng"], min_length=1, max_length=8
    )
    force_ocr: bool = Field(False, alias="forceOcr")

    @field_validator("languages", mode="before")
    @classmethod
    def split_languages(cls, value):
        """Accept `eng+deu` or `eng,deu`, as Tesseract and forms write them."""
        return re.split(r"[+,\s]+", value.strip()) if isinstance(value, str) else value

    @field_validator("languages")
    @classmethod
    def auto_alone(cls, value):
        """Refuse `auto` (the page's own language, detected) beside named languages."""
        if "auto" in value and len(value) > 1:
            raise ValueError("'auto' detects the language; name no other beside it")
        return value


def parse_input(model: type[QueryModel], values=None) -> QueryModel:
    """Validate the query string (or `values`) against `model`, or answer 400 saying why."""
    try:
        return model.model_validate(request.args.to_dict() if values is None else values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'query'}: {e['msg']}" for e in error.errors()
        )
        raise ApiError(400, "invalid_request", problems) from error


def load_own_task(session, task_id: str) -> Task:
    """Return the caller's task, or 404 (also for another user's task)."""
    task = session.get(Task, task_id)
    if task is None or task.user_id != g.user_id:
        raise ApiError(404, "task_not_found", f"No task {task_id}.")
    return task


@bp.post("/tasks")
def create_task():
    """Accept an image or a PDF and queue it for OCR."""
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "missing_file", "Send the file in the multipart form field 'file'.")
    key = idempotency_key()
    form = parse_input(SubmitForm, request.form.to_dict())
    options = {"languages": form.languages, "forceOcr": form.force_ocr}
    submission = submit(upload, g.user_id, form.engine, options, key)
    if submission.replayed:
        return jsonify(submission.task.as_json()), 200, {"Idempotent-Replayed": "true"}
    return jsonify(submission.task.as_json()), 202


def idempotency_key() -> str | None:
    """Read the request's Idempotency-Key header, if any."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 255 and key.isprintable()):
        raise ApiError(400, "invalid_request", "Idempotency-Key: 1 to 255 printable characters.")
    return key


@bp.get("/tasks")
def list_tasks():
    """List the caller's tasks, newest first, a page at a time."""
    query = parse_input(ListQuery)
    with db.session() as session:
        mine = select(Task).where(Task.user_id == g.user_id)
        total = session.scalar(select(func.count()).select_from(mine.subquery()))
        tasks = session.scalars(
            mine.options(selectinload(Task.result))
            .order_by(Task.created_at.desc(), Task.id)
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        )
        items = [TaskView.of(session, task, in_line=False).as_json() for task in tasks]
    return jsonify(tasks=items, page=query.page, perPage=query.per_page, total=total)


class TaskQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    wait: float = Field(0, ge=0, le=60)


@bp.get("/tasks/<task_id:task_id>")
def get_task(task_id: str):
    """Show one of the caller's tasks; with ?wait=N, once its status changes (N s at most)."""
    wait = parse_input(TaskQuery).wait
    hub = current_app.extensions["hub"]
    # Subscribed before the status is read, so that a change in between is not missed.
    inbox = hub.subscribe(g.user_id) if wait else None
    try:
        with db.session() as session:
            task = load_own_task(session, task_id)
            status, body = task.status, TaskView.of(session, task).as_json()
        if (
            inbox is None
            or status.finished
            or not hub.wait_for_change(inbox, task_id, status, wait)
        ):
            return jsonify(body)
    finally:
        if inbox is not None:
            hub.unsubscribe(g.user_id, inbox)
    with db.session() as session:
        return jsonify(TaskView.of(session, load_own_task(session, task_id)).as_json())


@bp.get("/tasks/<task_id:task_id>/events")
def get_task_events(task_id: str):
    """Return the task's kept updates, oldest first, each with its sequence number."""
    with db.session() as session:
        load_own_task(session, task_id)
    events = [
        message
        for message in history(current_app.config, g.user_id)
        if message["data"]["taskId"] == task_id
    ]
    return jsonify(taskId=task_id, events=events)


@bp.post("/tasks/<task_id:task_id>/cancel")
def cancel_task(task_id: str):
    """Cancel a task: a queued one never starts, a running one stops after its page."""
    with db.session() as session:
        task = load_own_task(session, task_id)
        if task.status.finished:
            raise ApiError(409, "task_finished", f"The task is {task.status.value} already.")
    lifecycle.request_cancel(task_id)
    with db.session() as session:
        return jsonify(TaskView.of(session, load_own_task(session, task_id)).as_json()), 202


@bp.get("/engines")
def list_engines():
    """List the engines the workers have, with their languages."""
    engines = registered_engines(current_app.config)
    return jsonify(
        default=current_app.config["OCR_ENGINE"],
        engines=[{"name": name, **offered} for name, offered in sorted(engines.items())],
    )
