"""A user's own API tokens: list them, make one, revoke one (and those it made)."""

from flask import current_app, g, jsonify
from sqlalchemy import select

from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, User
from ocrapp.core.scheduling import hold_user
from ocrapp.core.tokens import (
    issue_token,
    live_token_count,
    revoke_with_descendants,
    token_is_live,
)
from ocrapp.web.errors import ApiError
from ocrapp.web.openapi import BODY_REFUSALS, answers, api_blueprint
from ocrapp.web.schemas import NewToken, NewTokenView, TokenList, TokenPath, TokenView

bp = api_blueprint("tokens", __name__, "Your API tokens: several per user, each revocable.")


@bp.get("/tokens", responses=answers({200: TokenList}))
def list_tokens():
    """List your tokens, newest first, without their secrets."""
    with db.session() as session:
        tokens = session.scalars(
            select(ApiToken).where(ApiToken.user_id == g.user_id).order_by(ApiToken.id.desc())
        )
        return jsonify(tokens=[TokenView.of(token, g.token_id).as_json() for token in tokens])


@bp.post(
    "/tokens", responses=answers({201: NewTokenView}, BODY_REFUSALS | {409: ["too_many_tokens"]})
)
def create_token(body: NewToken):
    """Make a token for yourself; its secret is in this answer only.

    A token is `ocr_`, 8 random characters, `_` and 256 random bits; its first 12
    characters are its `prefix`. The server keeps only its SHA-256 hash. The token this
    request is made with is the new one's `parentId`: revoking it revokes the new one too
    (to replace a token, make the new one with a token you keep). One made in the web app,
    with its session cookie, has no parent.
    A token cannot outlive the one that made it: its expiry is at most that token's. A
    user has at most `MAX_TOKENS_PER_USER` (50) live tokens: one more is a
    `409 too_many_tokens`, until one is revoked or expires.
    """
    limit = current_app.config["MAX_TOKENS_PER_USER"]
    with db.session() as session:
        hold_user(session, g.user_id)  # two requests at once cannot both take the last one
        if live_token_count(session, g.user_id) >= limit:
            message = f"You have {limit} live tokens, the most allowed: revoke one first."
            raise ApiError(409, "too_many_tokens", message)
        user, parent = session.get(User, g.user_id), session.get(ApiToken, g.token_id)
        if g.get("browser_session"):
            parent = None  # made in the web app: signing out must not revoke it
        elif not token_is_live(parent):
            # Revoked in another process within its VERIFIED_TOKEN_SECONDS: a child made
            # now would outlive the revocation, which has already looked for children.
            raise ApiError(401, "unauthorized", "The token in use has been revoked or has expired.")
        token, secret = issue_token(session, user, body.name, body.expires_in_days, parent)
        return jsonify(token=secret, **TokenView.of(token, g.token_id).as_json()), 201


@bp.delete(
    "/tokens/<int(max=2147483647):token_id>",
    responses=answers({200: TokenView}, {404: ["token_not_found", "not_found"]}),
)
def revoke_token(path: TokenPath):
    """Revoke one of your tokens (the one in use included); from then on it gets a 401.

    The tokens it made (those whose `parentId` is its id), and the tokens they made, are
    revoked with it. Revoking a token again keeps its first `revokedAt`. Another user's
    token answers `404 token_not_found`, the same as an unknown one.
    """
    with db.session() as session:
        token = session.get(ApiToken, path.token_id)
        if token is None or token.user_id != g.user_id:
            raise ApiError(404, "token_not_found", f"No token {path.token_id}.")
        revoke_with_descendants(session, token)
        return jsonify(TokenView.of(token, g.token_id).as_json())
