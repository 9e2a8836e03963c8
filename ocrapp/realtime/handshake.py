"""Who may open `/ws`: a ticket, a token in the header or the query, or a token sent as the
first message; and what `?since=` may be. Refusals before the handshake are plain HTTP."""

import json
import re

import redis
from flask import current_app, g, request

from ocrapp.core.tokens import token_still_live
from ocrapp.realtime.tickets import TICKET_SECONDS, redeem_ticket
from ocrapp.web.auth import bearer_token, check_token
from ocrapp.web.errors import ApiError

POLICY_VIOLATION = 1008
# A sequence number is a Redis stream id: two unsigned 64-bit numbers. Redis refuses a
# larger one, and a range that starts after the largest id.
SEQ = re.compile(r"^(\d{1,20})-(\d{1,20})$")
LARGEST_PART = 2**64 - 1
FIRST_MESSAGE = 'Send {"type": "auth", "token": "<API token>"} first.'


def credentials_sent() -> bool:
    """Whether the handshake carries a ticket or a token (if not, its first message must)."""
    return bearer_token() is not None or any(name in request.args for name in ("ticket", "token"))


def authenticate_handshake() -> None:
    """Authenticate by `?ticket=`, else the header's or `?token=`'s token; 401 if not valid.

    A handshake without any passes: the socket must send its token as its first message.
    """
    ticket = request.args.get("ticket")
    if ticket is not None:
        check_ticket(ticket)
        return
    token = bearer_token() or request.args.get("token")
    if token is not None:
        check_token(token)


def check_ticket(ticket: str) -> None:
    """Authenticate with a ticket, redeemed once per request (the rate limit asks first)."""
    if "ticket_owner" not in g:
        g.ticket_owner = _redeem(ticket)
    if g.ticket_owner is None:
        raise ApiError(
            401,
            "unauthorized",
            f"The ticket is not valid: each opens one socket, within {TICKET_SECONDS} s of "
            "POST /api/ws-ticket.",
        )
    g.user_id, g.token_id = g.ticket_owner


def _redeem(ticket: str) -> tuple[int, int] | None:
    """Return the user and token of a ticket whose token is still live, or None."""
    try:
        owner = redeem_ticket(current_app.config, ticket)
    except redis.RedisError:
        raise ApiError(
            503, "service_unavailable", "Tickets cannot be checked now: try again shortly."
        ) from None
    return owner if owner is not None and token_still_live(owner[1]) else None


def handshake_caller() -> int | None:
    """The user of the handshake's live ticket or token, or None: whom the rate limit counts."""
    try:
        authenticate_handshake()
    except ApiError:
        return None
    return g.get("user_id")


def check_since(since: str) -> None:
    """Refuse with 400 a `since` that is not a sequence number Redis can start after."""
    match = SEQ.match(since)
    parts = tuple(int(part) for part in match.groups()) if match else ()
    if not parts or max(parts) > LARGEST_PART or parts == (LARGEST_PART, LARGEST_PART):
        raise ApiError(
            400,
            "invalid_request",
            "since: a sequence number such as 1764097200000-0 (two numbers under 2^64)",
        )


def authenticate_first_message(ws) -> bool:
    """Take the token from the first message, `{"type": "auth", "token": "..."}`.

    Return False, having closed the socket with 1008, if it does not come or is not valid.
    """
    message = ws.receive(timeout=current_app.config["WS_AUTH_TIMEOUT"])
    try:
        check_token(_token_in(message))
    except ApiError as error:
        ws.close(reason=POLICY_VIOLATION, message=error.message)
        return False
    return True


def _token_in(message: str | bytes | None) -> str:
    """Return the token of a first message; ApiError saying what is wrong if it has none."""
    if message is None:
        raise ApiError(401, "unauthorized", f"No API token in time: {FIRST_MESSAGE}")
    try:
        found = json.loads(message)
    except RecursionError:  # the parser recurses once per bracket
        raise ApiError(400, "invalid_request", "The message is nested too deeply.") from None
    except ValueError:
        found = None
    token = found.get("token") if isinstance(found, dict) else None
    if not isinstance(token, str):
        raise ApiError(401, "unauthorized", FIRST_MESSAGE)
    return token
