"""WebSocket tickets: what a browser puts in the `/ws` URL instead of its API token."""

import redis
from flask import current_app, g, jsonify

from ocrapp.realtime.tickets import issue_ticket
from ocrapp.web.errors import ApiError
from ocrapp.web.openapi import answers, api_blueprint
from ocrapp.web.schemas import WsTicket

bp = api_blueprint("tickets", __name__, "Single-use tickets that open the WebSocket at `/ws`.")


@bp.post("/ws-ticket", responses=answers({200: WsTicket}, {503: ["service_unavailable"]}))
def create_ws_ticket():
    """Get a ticket that opens one WebSocket, `/ws?ticket=<ticket>`, within 30 seconds.

    URLs end up in logs and browser history: a ticket there is of no use once its socket
    is open, unlike a token. The socket lives by the token this request was made with,
    and closes once that token is revoked. A used or expired ticket is refused with
    `401 unauthorized` before the handshake.
    """
    try:
        ticket, expires_at = issue_ticket(current_app.config, g.user_id, g.token_id)
    except redis.RedisError:
        raise ApiError(
            503, "service_unavailable", "Tickets cannot be made now: try again shortly."
        ) from None
    answer = WsTicket(ticket=ticket, expires_at=expires_at)
    return jsonify(answer.model_dump(mode="json", by_alias=True))
