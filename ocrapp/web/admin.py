"""What an admin may see of everyone: users, tasks, and the service's figures."""

import logging

import redis
from flask import current_app, g, jsonify, request
from sqlalchemy import func, select

from ocrapp.core.capabilities import registered_engines
from ocrapp.core.db import db
from ocrapp.core.models import Task, User
from ocrapp.ops.stats import last_hour, queue_depths, tasks_by_status, throughput_json, workers
from ocrapp.web.errors import ApiError
from ocrapp.web.openapi import answers, api_blueprint
from ocrapp.web.requests import ALL_TASKS, task_page
from ocrapp.web.schemas import ListQuery, Stats, TaskPage, UserList

log = logging.getLogger(__name__)
bp = api_blueprint(
    "admin",
    __name__,
    "For users made with `ocrapp users create --admin`; to anyone else, `404 not_found`.",
)
NOT_FOR_YOU = {404: ["not_found"]}


@bp.before_request
def require_admin() -> None:
    """Answer 404, as for a route that does not exist, unless the caller is an admin."""
    if request.method != "OPTIONS" and not g.get("is_admin"):
        raise ApiError(404, "not_found", "The requested URL was not found on the server.")


@bp.get("/admin/users", responses=answers({200: UserList}, NOT_FOR_YOU))
def admin_users():
    """List every user with their number of tasks."""
    with db.session() as session:
        rows = session.execute(
            select(User, func.count(Task.id)).outerjoin(Task).group_by(User.id).order_by(User.id)
        )
        users = [
            {"id": user.id, "email": user.email, "admin": user.is_admin, "tasks": count}
            for user, count in rows
        ]
    return jsonify(users=users)


@bp.get("/admin/tasks", responses=answers({200: TaskPage}, NOT_FOR_YOU))
def admin_tasks(query: ListQuery):
    """List everyone's tasks, newest first, a page at a time, each with its `userId`."""
    with db.session() as session:
        return jsonify(task_page(session, ALL_TASKS, query, owner=True))


@bp.get("/stats", responses=answers({200: Stats}, NOT_FOR_YOU))
def stats():
    """Show queues, workers, tasks by status and the last hour's throughput.

    `queues` counts the messages waiting in each queue (`null` unless the broker is
    Redis); `workers` are those that answered within a second, with the queues they
    consume; `engines` maps each engine's name to its `languages` and `devices` (the entries
    of `GET /api/engines`, keyed by name; `null` with Redis away). Prometheus reads the same
    figures at `/metrics`.
    """
    config = current_app.config
    with db.session() as session:
        by_status, hour = tasks_by_status(session), last_hour(session)
    try:
        depths, engines = queue_depths(config), registered_engines(config)
    except redis.RedisError as error:
        log.warning("stats without queues and engines: %s", error)
        depths, engines = None, None
    return jsonify(
        queues=depths,
        workers=workers(current_app.extensions["celery"]),
        engines=engines,
        tasks=by_status,
        lastHour=throughput_json(hour),
    )
