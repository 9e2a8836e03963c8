"""A user's own API tokens, and what an admin may see of everyone."""

from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, Task, User, utcnow
from ocrapp.core.task_view import TaskView, timestamp
from ocrapp.web.auth import authenticate, issue_token, token_is_live
from ocrapp.web.errors import ApiError
from ocrapp.web.tasks import ListQuery, parse_input

bp = Blueprint("account", __name__, url_prefix="/api")
bp.before_request(authenticate)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    expires_in_days: int | None = Field(None, ge=1, le=3650, alias="expiresInDays")


def token_json(token: ApiToken) -> dict:
    """Describe a token without its secret."""
    moments = {
        "createdAt": token.created_at,
        "expiresAt": token.expires_at,
        "revokedAt": token.revoked_at,
        "lastUsedAt": token.last_used_at,
    }
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "live": token_is_live(token),
        "current": token.id == g.get("token_id"),
        **{key: timestamp(moment) for key, moment in moments.items()},
    }


def json_body() -> dict:
    """Return the request's JSON object, or answer 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "Send a JSON object.")
    return body


@bp.get("/tokens")
def list_tokens():
    """List the caller's tokens, newest first, by prefix and name."""
    with db.session() as session:
        tokens = session.scalars(
            select(ApiToken).where(ApiToken.user_id == g.user_id).order_by(ApiToken.id.desc())
        )
        return jsonify(tokens=[token_json(token) for token in tokens])


@bp.post("/tokens")
def create_token():
    """Create a token for the caller; its secret is in this answer only."""
    form = parse_input(NewToken, json_body())
    with db.session() as session:
        user = session.get(User, g.user_id)
        token, secret = issue_token(session, user, form.name, form.expires_in_days)
        # A token cannot outlive the one that made it.
        parent = session.get(ApiToken, g.token_id)
        if parent.expires_at and (not token.expires_at or token.expires_at > parent.expires_at):
            token.expires_at = parent.expires_at
        return jsonify(token=secret, **token_json(token)), 201


@bp.delete("/tokens/<int(max=2147483647):token_id>")
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens (the one in use included)."""
    with db.session() as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != g.user_id:
            raise ApiError(404, "token_not_found", f"No token {token_id}.")
        token.revoked_at = token.revoked_at or utcnow()
        return jsonify(token_json(token))


def require_admin() -> None:
    """Answer 404, as for a route that does not exist, unless the caller is an admin."""
    if not g.get("is_admin"):
        raise ApiError(404, "not_found", "The requested URL was not found on the server.")


@bp.get("/admin/users")
def admin_users():
    """List every user with their number of tasks (admins only)."""
    require_admin()
    with db.session() as session:
        rows = session.execute(
            select(User, func.count(Task.id)).outerjoin(Task).group_by(User.id).order_by(User.id)
        )
        users = [
            {"id": user.id, "email": user.email, "admin": user.is_admin, "tasks": count}
            for user, count in rows
        ]
    return jsonify(users=users)


@bp.get("/admin/tasks")
def admin_tasks():
    """List everyone's tasks, newest first, a page at a time (admins only)."""
    require_admin()
    query = parse_input(ListQuery)
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Task))
        tasks = session.scalars(
            select(Task)
            .options(selectinload(Task.result))
            .order_by(Task.created_at.desc(), Task.id)
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        )
        items = [TaskView.of(session, task, in_line=False, owner=True).as_json() for task in tasks]
    return jsonify(tasks=items, page=query.page, perPage=query.per_page, total=total)
