"""Single-use tickets that open `/ws` in place of a token: what a browser puts in the URL.

A ticket is kept in Redis under its hash, with the user and the token it was issued for,
for TICKET_SECONDS; the handshake that uses it deletes it (GETDEL), so it opens one
socket at most, and the socket then lives by its token (rechecked like any other).
"""

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from ocrapp.core.models import utcnow
from ocrapp.core.redis_client import redis_client

TICKET_SECONDS = 30


def _key(config, ticket: str) -> str:
    """Where a ticket is kept: under its hash, so that what Redis holds opens nothing."""
    digest = hashlib.sha256(ticket.encode()).hexdigest()
    return f"{config['EVENT_NAMESPACE']}:ws-tickets:{digest}"


def issue_ticket(config, user_id: int, token_id: int) -> tuple[str, datetime]:
    """Return a new ticket for the user's token, and when it expires."""
    client = redis_client(config["REDIS_URL"])
    owner = json.dumps({"userId": user_id, "tokenId": token_id})
    # Taken before the key is written: the ticket lives at least until then.
    expires_at = utcnow() + timedelta(seconds=TICKET_SECONDS)
    while True:  # NX: a ticket is never another's, however unlikely a repeat is
        ticket = secrets.token_urlsafe(32)
        if client.set(_key(config, ticket), owner, ex=TICKET_SECONDS, nx=True):
            return ticket, expires_at


def redeem_ticket(config, ticket: str) -> tuple[int, int] | None:
    """Return the user and token ids of a ticket, once; None if used, expired or unknown."""
    owner = redis_client(config["REDIS_URL"]).getdel(_key(config, ticket))
    if owner is None:
        return None
    found = json.loads(owner)
    return found["userId"], found["tokenId"]
