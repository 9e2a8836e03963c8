"""Deleting a task: its rows, its files in storage and its updates in the user's history."""

import json
import logging

import redis
from flask import current_app
from sqlalchemy import select

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import File, Result, Task, TaskPage, TaskRange, WebhookDelivery
from ocrapp.core.redis_client import redis_client
from ocrapp.core.storage import (
    RESULT_FORMATS,
    get_storage,
    page_image_key,
    page_key,
    result_key,
)
from ocrapp.realtime.events import history_key

log = logging.getLogger(__name__)


def delete_task(task_id: str) -> bool:
    """Cancel the task if it runs, then remove it and everything kept of it; False if none."""
    lifecycle.request_cancel(task_id)
    keys, user_id = _delete_rows(task_id)
    if user_id is None:
        return False
    storage = get_storage(current_app.config)
    for key in keys:
        storage.delete(key)
    forget_updates(user_id, task_id)
    return True


def _delete_rows(task_id: str) -> tuple[set[str], int | None]:
    """Delete the task's rows; return the storage keys they named, and the task's owner.

    The task's row is locked first: a worker storing a page either commits its page row
    before (and its key is named here) or finds the task gone (and removes its own file).
    """
    with db.session() as session:
        task = session.get(Task, task_id, with_for_update=True)
        if task is None:
            return set(), None
        user_id, file_id, upload = task.user_id, task.file_id, task.file.storage_key
        pages = session.execute(
            select(TaskPage.number, TaskPage.result_key).where(TaskPage.task_id == task_id)
        ).all()
        keys = {upload, *(key for _, key in pages)}
        numbers = range(1, (task.page_count or 0) + 1)
        keys |= {page_key(user_id, task_id, number) for number in numbers}
        keys |= {page_image_key(user_id, task_id, number) for number in numbers}
        keys |= {result_key(user_id, task_id, result_format) for result_format in RESULT_FORMATS}
        session.query(TaskPage).filter_by(task_id=task_id).delete()
        session.query(TaskRange).filter_by(task_id=task_id).delete()
        session.query(Result).filter_by(task_id=task_id).delete()
        # What webhooks were to tell of it, its data included (their tries go with them).
        session.query(WebhookDelivery).filter_by(task_id=task_id).delete()
        session.delete(task)
        session.flush()
        session.query(File).filter_by(id=file_id).delete()
    return keys, user_id


def forget_updates(user_id: int, task_id: str) -> None:
    """Remove the task's updates from the user's kept history (a Redis outage is logged)."""
    client = redis_client(current_app.config["REDIS_URL"])
    key = history_key(current_app.config["EVENT_NAMESPACE"], user_id)
    try:
        stale = [
            seq
            for seq, fields in client.xrange(key)
            if json.loads(fields[b"message"])["data"].get("taskId") == task_id
        ]
        if stale:
            client.xdel(key, *stale)
    except redis.RedisError as error:
        log.warning("task %s: updates not removed from the history: %s", task_id, error)
