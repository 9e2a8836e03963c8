"""Downloads of a task's results and of its uploaded file: through the API or a signed URL."""

from pathlib import Path
from typing import Literal
from urllib.parse import quote

from flask import Blueprint, Response, current_app, redirect
from pydantic import BaseModel, ConfigDict

from ocrapp.core.db import db
from ocrapp.core.models import TaskStatus
from ocrapp.core.storage import RESULT_FORMATS, StorageError, get_storage, result_key
from ocrapp.web.auth import authenticate
from ocrapp.web.errors import ApiError
from ocrapp.web.tasks import load_own_task, parse_input

bp = Blueprint("downloads", __name__, url_prefix="/api")
bp.before_request(authenticate)


class ResultQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["json", "txt", "html", "hocr", "pdf"] = "json"
    redirect: bool = False


class FileQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redirect: bool = False


@bp.get("/tasks/<task_id:task_id>/result")
def get_result(task_id: str):
    """Return a completed task's result: json, txt, html, hocr or a searchable pdf."""
    query = parse_input(ResultQuery)
    with db.session() as session:
        task = load_own_task(session, task_id)
        if task.status is not TaskStatus.COMPLETED:
            raise ApiError(
                409, "result_not_ready", f"The task is {task.status.value}, not completed."
            )
        key = result_key(task.user_id, task.id, query.format)
        filename = f"{Path(task.file.original_filename).stem or 'result'}.{query.format}"
    disposition = "attachment" if query.format == "pdf" else "inline"
    return download(
        key,
        RESULT_FORMATS[query.format],
        content_disposition(disposition, filename),
        query.redirect,
        ApiError(404, "result_not_found", f"This task has no {query.format} result."),
    )


@bp.get("/tasks/<task_id:task_id>/file")
def get_file(task_id: str):
    """Return the file the task was made from, as it was uploaded."""
    query = parse_input(FileQuery)
    with db.session() as session:
        file = load_own_task(session, task_id).file
        key, content_type, filename = file.storage_key, file.content_type, file.original_filename
    disposition = content_disposition("attachment", filename)
    missing = ApiError(404, "file_not_found", "The uploaded file is no longer stored.")
    return download(key, content_type, disposition, query.redirect, missing)


def download(key: str, content_type: str, disposition: str, signed: bool, missing: ApiError):
    """Answer with the object at `key`, or with a redirect to a signed URL for it."""
    storage = get_storage(current_app.config)
    seconds = current_app.config["SIGNED_URL_SECONDS"]
    if signed and (url := storage.signed_url(key, disposition, content_type, seconds)):
        return redirect(url, 302)
    try:
        data = storage.get(key)
    except StorageError as error:  # e.g. a task completed before its format existed
        raise missing from error
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = disposition
    return response


def content_disposition(disposition: str, filename: str) -> str:
    """Name a download: an ASCII fallback, and the UTF-8 name for clients that read it."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
