"""A user's own API tokens: list them, make one, revoke one."""

from flask import g, jsonify
from sqlalchemy import select

from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, User, utcnow
from ocrapp.core.tokens import issue_token
from ocrapp.web.errors import ApiError
from ocrapp.web.openapi import answers, api_blueprint
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


@bp.post("/tokens", responses=answers({201: NewTokenView}))
def create_token(body: NewToken):
    """Make a token for yourself; its secret is in this answer only.

    A token is `ocr_`, 8 random characters, `_` and 256 random bits; its first 12
    characters are its `prefix`. The server keeps only its SHA-256 hash. A token cannot
    outlive the one that made it: its expiry is at most that token's.
    """
    with db.session() as session:
        user = session.get(User, g.user_id)
        token, secret = issue_token(session, user, body.name, body.expires_in_days)
        # A token cannot outlive the one that made it.
        parent = session.get(ApiToken, g.token_id)
        if parent.expires_at and (not token.expires_at or token.expires_at > parent.expires_at):
            token.expires_at = parent.expires_at
        return jsonify(token=secret, **TokenView.of(token, g.token_id).as_json()), 201


@bp.delete(
    "/tokens/<int(max=2147483647):token_id>",
    responses=answers({200: TokenView}, {404: ["token_not_found", "not_found"]}),
)
def revoke_token(path: TokenPath):
    """Revoke one of your tokens (the one in use included); from then on it gets a 401.

    Revoking a token again keeps its first `revokedAt`. Another user's token answers
    `404 token_not_found`, the same as an unknown one.
    """
    with db.session() as session:
        token = session.get(ApiToken, path.token_id)
        if token is None or token.user_id != g.user_id:
            raise ApiError(404, "token_not_found", f"No token {path.token_id}.")
        token.revoked_at = token.revoked_at or utcnow()
        return jsonify(TokenView.of(token, g.token_id).as_json())
