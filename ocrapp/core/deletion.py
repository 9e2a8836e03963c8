"""Deleting a task (its rows, its files in storage, its updates in the user's history), or a
user with all they kept."""

import json
import logging

import redis
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app
from sqlalchemy import delete, select

from ocrapp.core import lifecycle
from ocrapp.core.db import db
from ocrapp.core.models import (
    ApiToken,
    File,
    Result,
    Task,
    TaskPage,
    TaskRange,
    User,
    WebhookDelivery,
    utcnow,
)
from ocrapp.core.redis_client import redis_client
from ocrapp.core.scheduling import hold_user
from ocrapp.core.storage import StorageError, get_storage, task_prefix, user_prefix
from ocrapp.core.verified_tokens import verified_tokens
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


def delete_user(user_id: int) -> int | None:
    """Delete the user, every task and file they kept, their tokens and webhooks; return
    how many tasks went (None: no such user).

    Their tokens are revoked first, so that nothing new comes while their tasks go, each as
    `delete_task` does; a storage failure raises StorageUnavailable and leaves the user, and
    what is left of them, to be deleted again.
    """
    with db.session() as session:
        if session.get(User, user_id) is None:
            return None
        live = session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        ).all()
        for token in live:
            token.revoked_at = utcnow()
        verified_tokens.forget_after_commit(session, {token.id for token in live})
    with db.session() as session:
        task_ids = session.scalars(select(Task.id).where(Task.user_id == user_id)).all()
    for task_id in task_ids:
        delete_task(task_id)
    with db.session() as session:
        hold_user(session, user_id)  # an upload under way records itself before, or never
        try:
            get_storage(current_app.config).delete_prefix(user_prefix(user_id))
        except STORAGE_FAILURES as error:
            log.warning("user %s: not deleted, their files stay: %s", user_id, error)
            raise StorageUnavailable(str(error)) from error
        # The database removes the rest with the user: tokens, files, webhooks, deliveries.
        session.execute(delete(User).where(User.id == user_id))
    _forget_history(user_id)
    return len(task_ids)


def _forget_history(user_id: int) -> None:
    """Remove the user's kept updates (a Redis outage is logged; they expire with use)."""
    key = history_key(current_app.config["EVENT_NAMESPACE"], user_id)
    try:
        redis_client(current_app.config["REDIS_URL"]).delete(key)
    except redis.RedisError as error:
        log.warning("user %s: updates not removed from the history: %s", user_id, error)


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
