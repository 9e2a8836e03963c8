"""API tokens: made random, stored only as a hash, checked on every request."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import g, request
from sqlalchemy import select

from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, User, as_utc, utcnow
from ocrapp.web.errors import ApiError

PREFIX_LENGTH = 12  # "ocr_" and 8 random characters: enough to tell tokens apart in a list
LAST_USED_PRECISION = timedelta(minutes=1)  # not a database write on every request


def new_token() -> str:
    """Return a new random API token: a recognisable prefix and 256 random bits."""
    return f"ocr_{secrets.token_urlsafe(6)}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """Return the stored form of a token: a SHA-256, enough for a 256-bit random secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session, user: User, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return its row and its secret, shown only this once."""
    secret = new_token()
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_token(secret),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, secret


def create_user(session, email: str, admin: bool = False) -> tuple[User, str]:
    """Create a user with a first token, and return both."""
    user = User(email=email, is_admin=admin)
    session.add(user)
    session.flush()
    return user, issue_token(session, user, "first token")[1]


def token_is_live(token: ApiToken) -> bool:
    """Whether a token is neither revoked nor expired."""
    expires_at = as_utc(token.expires_at)
    return token.revoked_at is None and (expires_at is None or expires_at > utcnow())


def bearer_token() -> str | None:
    """Read the token from `Authorization: Bearer <token>`."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate() -> None:
    """Set `g.user_id`, `g.is_admin` and `g.token_id` from the bearer token, or answer 401."""
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no token; it reaches no data either
    check_token(bearer_token())


def caller_id() -> int | None:
    """The user id of the request's live token, or None: whom the rate limit counts."""
    try:
        authenticate()
    except ApiError:
        return None
    return g.get("user_id")


def check_token(token: str | None) -> None:
    """Authenticate the request with `token`, once: a second call repeats the first's answer."""
    if "auth_error" not in g:
        try:
            g.auth_error = None
            _authenticate(token)
        except ApiError as error:
            g.auth_error = error
    if g.auth_error is not None:
        raise g.auth_error


def _authenticate(token: str | None) -> None:
    if not token:
        raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.")
    digest = hash_token(token)
    with db.session() as session:
        stored = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        # The lookup is by hash; the comparison of what was found takes constant time.
        if stored is None or not hmac.compare_digest(stored.token_hash, digest):
            raise ApiError(401, "unauthorized", "The API token is not valid.")
        if not token_is_live(stored):
            raise ApiError(401, "unauthorized", "The API token is revoked or expired.")
        last_used = as_utc(stored.last_used_at)
        if last_used is None or utcnow() - last_used > LAST_USED_PRECISION:
            stored.last_used_at = utcnow()
        g.user_id, g.is_admin, g.token_id = stored.user_id, stored.user.is_admin, stored.id


def token_still_live(token_id: int) -> bool:
    """Whether the token an open connection was authenticated with is still live."""
    with db.session() as session:
        token = session.get(ApiToken, token_id)
        return token is not None and token_is_live(token)
