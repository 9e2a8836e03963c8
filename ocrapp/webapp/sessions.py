"""Browser sessions: signing in and out, the session token, CSRF and sign-in attempts."""

import redis
from flask import current_app, request, session
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy import func, select

from ocrapp.core.db import db
from ocrapp.core.models import User, utcnow
from ocrapp.core.tokens import find_token, issue_token, token_is_live
from ocrapp.core.verified_tokens import verified_tokens
from ocrapp.web.errors import ApiError
from ocrapp.webapp.passwords import password_matches

SESSION_TOKEN = "session_token"
SESSION_TOKEN_NAME = "Browser session"
ATTEMPT_WINDOW = 15 * 60
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def sign_in(email: str, password: str) -> bool:
    """Start a session for the user with this email and password; False if they do not match."""
    with db.session() as database:
        user = database.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if not password_matches(user, password):
            return False
        days = current_app.config["SESSION_DAYS"]
        secret = issue_token(database, user, SESSION_TOKEN_NAME, expires_in_days=days)[1]
    session.clear()  # a new session on sign-in: nothing set before it carries over
    session.permanent = True
    session[SESSION_TOKEN] = secret
    generate_csrf()
    return True


def sign_out() -> None:
    """End the session: its token is revoked, so a copy of the cookie is worth nothing."""
    secret = session.get(SESSION_TOKEN)
    if secret:
        with db.session() as database:
            stored = find_token(database, secret)
            if stored is not None and stored.revoked_at is None:
                stored.revoked_at = utcnow()
                verified_tokens.forget_after_commit(database, {stored.id})
    session.clear()


def session_token() -> str | None:
    """The session token of the request's cookie, if it has one."""
    secret = session.get(SESSION_TOKEN)
    return secret if isinstance(secret, str) else None


def signed_in_user() -> dict | None:
    """The signed-in user as `{"id", "email", "is_admin"}`, or None."""
    secret = session_token()
    if secret is None:
        return None
    with db.session() as database:
        stored = find_token(database, secret)
        if stored is None or not token_is_live(stored):
            return None
        return {"id": stored.user.id, "email": stored.user.email, "is_admin": stored.user.is_admin}


def api_session_token() -> str | None:
    """The session token for /api, with the CSRF token checked on requests that change data."""
    secret = session_token()
    if secret is not None and request.method in UNSAFE_METHODS:
        check_csrf(request.headers.get("X-CSRF-Token"))
    return secret


def check_csrf(token: str | None) -> None:
    """Refuse the request with 403 unless `token` is the session's CSRF token."""
    try:
        validate_csrf(token)
    except (CSRFError, ValueError) as error:
        raise ApiError(403, "csrf_failed", "Send the page's CSRF token (X-CSRF-Token).") from error


def take_attempt(email: str) -> bool:
    """Count a sign-in attempt against the email and the address, for ATTEMPT_WINDOW;
    return whether it may go on to the password.

    Counted before the password is checked: attempts sent all at once, each reading the
    counts before any had added to them, all went through.
    """
    limit = current_app.config["SIGNIN_ATTEMPTS"]
    try:
        with _counter().pipeline() as pipe:
            for key in _attempt_keys(email):
                pipe.incr(key).expire(key, ATTEMPT_WINDOW, nx=True)
            counts = pipe.execute()[::2]
    except redis.RedisError:
        return True  # as the API's rate limit: with Redis away, sign-in stays open
    return all(count <= limit for count in counts)


def forgive_attempt(email: str) -> None:
    """Take back the attempt of a sign-in that succeeded: only failures count."""
    try:
        with _counter().pipeline() as pipe:
            for key in _attempt_keys(email):
                pipe.decr(key)
            pipe.execute()
    except redis.RedisError:
        pass


def _attempt_keys(email: str) -> list[str]:
    prefix = f"{current_app.config['EVENT_NAMESPACE']}:signin"
    return [f"{prefix}:email:{email.lower()}", f"{prefix}:address:{request.remote_addr}"]


def _counter() -> redis.Redis:
    return redis.Redis.from_url(
        current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=1
    )


def end_browser_sessions(database, user: User) -> int:
    """Revoke every live browser session of `user` (after a password change); count them."""
    live = [
        token
        for token in user.tokens
        if token.name == SESSION_TOKEN_NAME and token.revoked_at is None
    ]
    for token in live:
        token.revoked_at = utcnow()
    verified_tokens.forget_after_commit(database, {token.id for token in live})
    return len(live)
