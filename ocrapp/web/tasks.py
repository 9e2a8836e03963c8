"""Tasks: submit a file, list and follow tasks, cancel or delete one; the engines on offer."""

import math

from flask import current_app, g, jsonify

from ocrapp.core import deletion, lifecycle
from ocrapp.core.capabilities import registered_engines
from ocrapp.core.db import db
from ocrapp.core.models import as_utc, utcnow
from ocrapp.core.submission import submit
from ocrapp.core.task_view import TaskView
from ocrapp.realtime.events import history
from ocrapp.web.errors import ApiError, storage_unavailable, suggest_retry_after
from ocrapp.web.openapi import BODY_REFUSALS, answers, api_blueprint
from ocrapp.web.requests import OWN_TASKS, load_own_task, task_page
from ocrapp.web.schemas import (
    EngineList,
    ListQuery,
    SubmitForm,
    SubmitHeaders,
    TaskEvents,
    TaskPage,
    TaskPath,
    TaskQuery,
)

bp = api_blueprint(
    "tasks", __name__, "Submit files for OCR, follow their tasks, cancel or delete them."
)
REPLAYED = {
    "description": "The task of an earlier request with the same `Idempotency-Key`, as it is now.",
    "headers": {"Idempotent-Replayed": {"schema": {"const": "true"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskView"}}},
}
SUBMIT_REFUSALS = BODY_REFUSALS | {
    400: ["missing_file", "empty_file", "unknown_engine", "unsupported_language"],
    413: ["file_too_large", "form_too_large"],
    415: ["unsupported_media_type"],
    422: ["page_too_large", "too_many_pages", "pdf_invalid", "pdf_encrypted", "pdf_empty"],
    429: ["too_many_tasks", "quota_exceeded"],
    503: ["engines_unknown", "storage_unavailable"],
}
TASK_NOT_FOUND = {404: ["task_not_found", "not_found"]}
ACCEPTED = {
    "description": "The task, `queued`.",
    "headers": {
        "Location": {"description": "The task's URL.", "schema": {"type": "string"}},
        "Retry-After": {
            "description": "Seconds to wait before polling the task: until its estimated "
            "start, 1 to 60 (2 without an estimate).",
            "schema": {"type": "integer"},
        },
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskView"}}},
}


@bp.post("/tasks", responses=answers({202: ACCEPTED, 200: REPLAYED}, SUBMIT_REFUSALS))
def create_task(form: SubmitForm, header: SubmitHeaders):
    """Submit an image or a PDF for OCR.

    PDFs and PNG, JPEG, TIFF, WebP, BMP and GIF images are accepted, recognised by their
    content rather than by their name. Every page of a PDF and every frame of a TIFF is
    read; of the other image types, only the first frame.

    Before the file is stored, its header is checked: an image over `MAX_PAGE_PIXELS`
    pixels (a decompression bomb included) is a `422 page_too_large`, a PDF with more than
    `MAX_PAGES` pages, or a TIFF with more frames, a `422 too_many_pages`; a PDF that cannot
    be opened even repaired is a `422 pdf_invalid` (not a PDF past its header, a broken
    cross-reference table), `pdf_encrypted` (it needs a password) or `pdf_empty` (no
    pages). Nothing is kept.
    A user with `MAX_TASKS_IN_FLIGHT` tasks `queued` or `processing` gets
    `429 too_many_tasks` with a `Retry-After`.

    The answer is `202` with the task `queued`, even when the broker is down: the task then
    waits in the outbox, and the reaper sends it once the broker is back. `queuePosition`
    is its place in its queue (1: next) and `estimatedStartAt` when it should start, from
    the queue's mean run time over the last hour (`null` without one).

    With an `Idempotency-Key`, a later request of the same user with the same key, even at
    the same moment, creates nothing and answers `200` with the first task as it is now and
    `Idempotent-Replayed: true` (it must still send a `file`). Keys belong to a user and
    are kept for as long as the task.

    The `202` carries `Location`, the task's URL, and `Retry-After`, the seconds a polling
    client should wait before it asks (or it long-polls with `?wait=`).
    """
    options = {"languages": form.languages, "forceOcr": form.force_ocr}
    submission = submit(form.file, g.user_id, form.engine, options, header.idempotency_key)
    if submission.replayed:
        return jsonify(submission.task.as_json()), 200, {"Idempotent-Replayed": "true"}
    task = submission.task
    suggest_retry_after(poll_after(task))
    return jsonify(task.as_json()), 202, {"Location": f"/api/tasks/{task.task_id}"}


def poll_after(task: TaskView) -> int:
    """Suggest the seconds before a client polls a new task: until its estimated start."""
    if task.estimated_start_at is None:
        return 2
    seconds = (as_utc(task.estimated_start_at) - utcnow()).total_seconds()
    return min(max(math.ceil(seconds), 1), 60)


@bp.get("/tasks", responses=answers({200: TaskPage}))
def list_tasks(query: ListQuery):
    """List your tasks, newest first, a page at a time."""
    with db.autocommit() as session:
        return jsonify(task_page(session, OWN_TASKS, query, user_id=g.user_id))


@bp.get("/tasks/<task_id:task_id>", responses=answers({200: TaskView}, TASK_NOT_FOUND))
def get_task(path: TaskPath, query: TaskQuery):
    """Show one of your tasks; with `?wait=N`, once its status changes (N s at most).

    `result` (word count, page count, mean word confidence) is there once the task has
    completed; a failed task has an `error` with a `code` and a `message`. `page` and
    `pageCount` say which page a running task is on.

    With `?wait=N` (0 to 60 seconds) the request is a long poll: the answer comes as soon
    as the task's status changes (progress alone does not count), or after N seconds, with
    the task as it is then. A finished task answers at once.

    A failed task's `error.code` is one of `invalid_image`, `pdf_invalid`, `pdf_encrypted`,
    `pdf_empty`, `page_too_large` (a TIFF frame or PDF page too large to read),
    `too_many_pages`, `out_of_memory` (over `WORKER_MEMORY_MB`), `worker_lost` (its worker
    died on its last run of `MAX_ATTEMPTS`, or went away), `timeout` (over its time limit),
    `service_unavailable` (the database, Redis or S3 away past `SERVICE_OUTAGE_SECONDS`) and
    `internal_error`. A cancelled task has no `error`. Another user's task answers 404,
    the same as an unknown one.
    """
    hub = current_app.extensions["hub"]
    # Subscribed before the status is read, so that a change in between is not missed.
    inbox = hub.subscribe(g.user_id) if query.wait else None
    try:
        with db.session() as session:
            task = load_own_task(session, path.task_id)
            status, body = task.status, TaskView.of(session, task).as_json()
        if (
            inbox is None
            or status.finished
            or not hub.wait_for_change(inbox, path.task_id, status, query.wait)
        ):
            return jsonify(body)
    finally:
        if inbox is not None:
            hub.unsubscribe(g.user_id, inbox)
    with db.session() as session:
        return jsonify(TaskView.of(session, load_own_task(session, path.task_id)).as_json())


@bp.get("/tasks/<task_id:task_id>/events", responses=answers({200: TaskEvents}, TASK_NOT_FOUND))
def get_task_events(path: TaskPath):
    """List the task's kept updates, oldest first, each with its sequence number.

    These are the messages the WebSocket sent. The history keeps about the last
    `UPDATE_HISTORY` updates of the user, over all their tasks, so an older task's updates
    may be gone.
    """
    with db.session() as session:
        load_own_task(session, path.task_id)
    events = [
        message
        for message in history(current_app.config, g.user_id)
        if message["data"]["taskId"] == path.task_id
    ]
    return jsonify(taskId=path.task_id, events=events)


@bp.post(
    "/tasks/<task_id:task_id>/cancel",
    responses=answers({202: TaskView}, TASK_NOT_FOUND | {409: ["task_finished"]}),
)
def cancel_task(path: TaskPath):
    """Cancel a task: a queued one never starts, a running one stops after its page.

    A `queued` task is `cancelled` at once. A `processing` task gets `cancelRequested:
    true`; its worker checks before each page and before storing the results, and the task
    then ends `cancelled` (a cancel after that last check leaves it to complete). A
    cancelled task has no result. The answer is the task as it is after the request; a
    task already `completed`, `failed` or `cancelled` answers `409 task_finished`.
    """
    with db.session() as session:
        task = load_own_task(session, path.task_id)
        if task.status.finished:
            raise ApiError(409, "task_finished", f"The task is {task.status.value} already.")
    lifecycle.request_cancel(path.task_id)
    with db.session() as session:
        return jsonify(TaskView.of(session, load_own_task(session, path.task_id)).as_json()), 202


@bp.delete(
    "/tasks/<task_id:task_id>",
    responses=answers({204: None}, TASK_NOT_FOUND | {503: ["storage_unavailable"]}),
)
def delete_task(path: TaskPath):
    """Delete a task with its upload, results, pages and kept updates; a running one stops.

    A `queued` task is cancelled first, a `processing` one asked to stop (its worker finds
    the task gone at its next page boundary and keeps nothing). The answer is `204`; from
    then on the task answers `404 task_not_found`, as does another user's task. When the
    file storage cannot be reached, the answer is `503 storage_unavailable` and the task is
    kept whole (cancelled if it was running): the same request deletes it later.
    """
    with db.session() as session:
        load_own_task(session, path.task_id)
    try:
        deleted = deletion.delete_task(path.task_id)
    except deletion.StorageUnavailable as error:
        raise storage_unavailable("the task is kept, try again shortly.") from error
    if not deleted:
        raise ApiError(404, "task_not_found", f"No task {path.task_id}.")
    return "", 204


@bp.get("/engines", responses=answers({200: EngineList}))
def list_engines():
    """List the engines the workers have, with their languages and devices.

    Workers report when they start, and entries are never removed. Until a worker has
    reported, `engines` is empty and a submission can only use the default engine with
    `eng`.
    """
    engines = registered_engines(current_app.config)
    return jsonify(
        default=current_app.config["OCR_ENGINE"],
        engines=[{"name": name, **offered} for name, offered in sorted(engines.items())],
    )
