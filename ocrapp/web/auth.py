"""Who is calling: the bearer token of a request, checked once per request."""

from flask import current_app, g, request

from ocrapp.core.db import db
from ocrapp.core.tokens import find_token, hash_token, mark_used, token_is_live
from ocrapp.core.verified_tokens import Caller, verified_tokens
from ocrapp.web.errors import ApiError
from ocrapp.webapp.sessions import api_session_token


def bearer_token() -> str | None:
    """Read the token from `Authorization: Bearer <token>`."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate() -> None:
    """Set `g.user_id`, `g.is_admin` and `g.token_id` from the bearer token, or answer 401.

    Without one, a signed-in browser's session cookie serves (with its CSRF token).
    """
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no token; it reaches no data either
    token = bearer_token()
    if token is None and (token := api_session_token()) is not None:
        g.browser_session = True  # what it makes outlives it (ocrapp.web.tokens)
    check_token(token)


def caller_id() -> int | None:
    """The user id of the request's live token, or None: whom the rate limit counts."""
    try:
        authenticate()
    except ApiError:
        return None
    return g.get("user_id")


def check_token(token: str | None) -> None:
    """Authenticate the request with `token`, once: a second call repeats the first's answer.

    A call that met no answer (the database away: an error the rate limiter swallows) is
    not remembered, so the next one meets the error too, rather than a caller never set.
    """
    if "auth_error" not in g:
        try:
            _authenticate(token)
            g.auth_error = None
        except ApiError as error:
            g.auth_error = error
    if g.auth_error is not None:
        raise g.auth_error


def _authenticate(token: str | None) -> None:
    if not token:
        raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.")
    digest = hash_token(token)
    caller = verified_tokens.recall(digest) or _verify(token, digest)
    g.user_id, g.is_admin, g.token_id = caller.user_id, caller.is_admin, caller.token_id


def _verify(token: str, digest: str) -> Caller:
    """Look the token up in the database, and remember it if it is live."""
    with db.session() as session:
        stored = find_token(session, token)
        if stored is None:
            raise ApiError(401, "unauthorized", "The API token is not valid.")
        if not token_is_live(stored):
            raise ApiError(401, "unauthorized", "The API token is revoked or expired.")
        mark_used(stored)
        caller = Caller(stored.user_id, stored.user.is_admin, stored.id, stored.expires_at)
    verified_tokens.remember(digest, caller, current_app.config["VERIFIED_TOKEN_SECONDS"])
    return caller
