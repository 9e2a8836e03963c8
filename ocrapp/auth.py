"""API tokens: made random, stored only as a hash, checked on every request."""

import hashlib
import secrets

from flask import g, request
from sqlalchemy import select

from ocrapp.db import db
from ocrapp.errors import ApiError
from ocrapp.models import User


def new_token() -> str:
    """Return a new random API token (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the stored form of a token: a SHA-256, enough for a 256-bit random secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session, email: str) -> tuple[User, str]:
    """Create a user and return it with its token, which is shown only this once."""
    token = new_token()
    user = User(email=email, token_hash=hash_token(token))
    session.add(user)
    session.flush()
    return user, token


def bearer_token() -> str | None:
    """Read the token from `Authorization: Bearer <token>`."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate() -> None:
    """Set `g.user_id` from the request's bearer token, or answer 401."""
    _authenticate(bearer_token())


def authenticate_websocket() -> None:
    """Like `authenticate`, also taking `?token=`: browsers cannot set WebSocket headers."""
    _authenticate(bearer_token() or request.args.get("token"))


def _authenticate(token: str | None) -> None:
    if not token:
        raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.")
    with db.session() as session:
        user_id = session.scalar(select(User.id).where(User.token_hash == hash_token(token)))
    if user_id is None:
        raise ApiError(401, "unauthorized", "The API token is not valid.")
    g.user_id = user_id
