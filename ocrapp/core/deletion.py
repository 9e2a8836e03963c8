"""Deleting a task: its rows, its files in storage and its updates in the user's history."""

import json
import logging

import redis
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import File, Result, Task, TaskPage, TaskRange, WebhookDelivery
from ocrapp.core.redis_client import redis_client
from ocrapp.core.storage import StorageError, get_storage, task_prefix
from ocrapp.realtime.events import history_key

log = logging.getLogger(__name__)

# What a storage backend raises when it cannot be reached or refuses (S3, or a folder).
STORAGE_FAILURES = (StorageError, BotoCoreError, ClientError, OSError)


class StorageUnavailable(Exception):
    """The task's files could not be deleted: the task is kept, and can be deleted again."""


def delete_task(task_id: str) -> bool:
    """Cancel the task if it runs, then remove it and everything kept of it; False if none.

    Its files go first, its rows after, in one transaction: a storage failure raises
    StorageUnavailable and leaves the task whole in the database, to be deleted again.
    """
    lifecycle.request_cancel(task_id)
    user_id = _delete_files_then_rows(task_id)
    if user_id is None:
        return False
    forget_updates(user_id, task_id)
    return True


def _delete_files_then_rows(task_id: str) -> int | None:
    """Delete the task's objects in storage, then its rows; return its owner (None: no task).

    The task's row is locked first: a worker storing a page either stored its file before
    (and the prefix's listing finds it) or finds the task gone (and removes its own file).
    """
    with db.session() as session:
        task = session.get(Task, task_id, with_for_update=True)
        if task is None:
            return None
        user_id, file_id = task.user_id, task.file_id
        storage = get_storage(current_app.config)
        try:
            storage.delete_prefix(task_prefix(user_id, task_id))  # results, pages, images
            storage.delete(task.file.storage_key)
        except STORAGE_FAILURES as error:  # the transaction rolls back: the task stays
            log.warning("task %s: not deleted, its files stay: %s", task_id, error)
            raise StorageUnavailable(str(error)) from error
        session.query(TaskPage).filter_by(task_id=task_id).delete()
        session.query(TaskRange).filter_by(task_id=task_id).delete()
        session.query(Result).filter_by(task_id=task_id).delete()
        # What webhooks were to tell of it, its data included (their tries go with them).
        session.query(WebhookDelivery).filter_by(task_id=task_id).delete()
        session.delete(task)
        session.flush()
        session.query(File).filter_by(id=file_id).delete()
    return user_id


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
