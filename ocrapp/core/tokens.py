"""API tokens: made random, stored only as a hash, live until revoked or expired."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, or_, select

from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, User, as_utc, utcnow
from ocrapp.core.scheduling import hold_user
from ocrapp.core.verified_tokens import verified_tokens

PREFIX_LENGTH = 12  # "ocr_" and 8 random characters: enough to tell tokens apart in a list
LAST_USED_PRECISION = timedelta(minutes=1)  # not a database write on every request


def new_token() -> str:
    """Return a new random API token: a recognisable prefix and 256 random bits."""
    return f"ocr_{secrets.token_urlsafe(6)}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """Return the stored form of a token: a SHA-256, enough for a 256-bit random secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session,
    user: User,
    name: str,
    expires_in_days: int | None = None,
    parent: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`, made by `parent` if any; return it and its secret, once."""
    secret = new_token()
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    # A token cannot outlive the one that made it.
    ceiling = as_utc(parent.expires_at) if parent else None
    if ceiling and (not expires_at or expires_at > ceiling):
        expires_at = ceiling
    token = ApiToken(
        user=user,
        parent_id=parent and parent.id,
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


def live_token_count(session, user_id: int) -> int:
    """Return how many of the user's tokens are neither revoked nor expired."""
    return session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
        )
    )


def revoke_with_descendants(session, token: ApiToken) -> int:
    """Revoke `token` and the tokens made from it, at any depth; return how many that is.

    A token revoked earlier keeps its first `revoked_at`, and its descendants are revoked
    too: they may have been made before this rule. The user's row is held first, as a
    token is made under it: a child made at the same time is found here, or is refused
    for its revoked parent.
    """
    hold_user(session, token.user_id)
    now, family, generation = utcnow(), [token], [token.id]
    while generation:  # a parent is always older than its children: no cycles
        children = session.scalars(select(ApiToken).where(ApiToken.parent_id.in_(generation)))
        children = children.all()
        family += children
        generation = [child.id for child in children]
    for member in family:
        member.revoked_at = member.revoked_at or now
    verified_tokens.forget_after_commit(session, {member.id for member in family})
    return len(family)


def find_token(session, secret: str) -> ApiToken | None:
    """Return the stored token whose secret is `secret`, live or not, or None."""
    digest = hash_token(secret)
    stored = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The lookup is by hash; the comparison of what was found takes constant time.
    if stored is None or not hmac.compare_digest(stored.token_hash, digest):
        return None
    return stored


def mark_used(token: ApiToken) -> None:
    """Record that `token` was used now, at most once per LAST_USED_PRECISION."""
    last_used = as_utc(token.last_used_at)
    if last_used is None or utcnow() - last_used > LAST_USED_PRECISION:
        token.last_used_at = utcnow()


def token_still_live(token_id: int) -> bool:
    """Whether the token an open connection was authenticated with is still live."""
    with db.session() as session:
        token = session.get(ApiToken, token_id)
        return token is not None and token_is_live(token)
