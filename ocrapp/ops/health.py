"""Liveness and readiness probes."""

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ocrapp.core.db import db
from ocrapp.core.redis_client import redis_client
from ocrapp.core.storage import get_storage
from ocrapp.web.errors import ApiError

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer as long as the process serves requests."""
    return jsonify(status="ok")


def _check_database() -> None:
    with db.session() as session:
        session.execute(text("SELECT 1"))


def _check_redis() -> None:
    redis_client(current_app.config["REDIS_URL"]).ping()


def _check_storage() -> None:
    get_storage(current_app.config).check()


@bp.get("/readyz")
def readyz():
    """Check the database, Redis and storage; 503 naming (only naming) each that fails."""
    checks = {"database": _check_database, "redis": _check_redis, "storage": _check_storage}
    failing = []
    for name, check in checks.items():
        try:
            check()
        except Exception as error:
            # The detail (hosts, users) is for the logs; anonymous callers get the name.
            log.warning("readiness check %s failed: %s", name, error)
            failing.append(name)
    if failing:
        names = ", ".join(failing)
        raise ApiError(503, "not_ready", f"Not reachable: {names}.", failing=failing)
    return jsonify(status="ready", checks=dict.fromkeys(checks, "ok"))
