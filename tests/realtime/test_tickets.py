"""Single-use tickets from `POST /api/ws-ticket` that open `/ws` in place of a token."""

import json
import time
from datetime import datetime, timedelta

import websocket
from sqlalchemy import update

from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, utcnow
from ocrapp.realtime import tickets
from tests.helpers import HANDSHAKE, auth, close_frame


def new_ticket(client, token: str) -> str:
    response = client.post("/api/ws-ticket", headers=auth(token))
    assert response.status_code == 200, response.json
    return response.json["ticket"]


def with_ticket(url: str, ticket: str) -> websocket.WebSocket:
    return websocket.create_connection(
        url.replace("http", "ws", 1) + f"/ws?ticket={ticket}", timeout=10
    )


def test_a_ticket_expires_in_30_seconds(client, make_user):
    _, token = make_user()
    response = client.post("/api/ws-ticket", headers=auth(token))
    assert response.status_code == 200
    assert set(response.json) == {"ticket", "expiresAt"}
    expires_at = datetime.fromisoformat(response.json["expiresAt"].replace("Z", "+00:00"))
    assert timedelta(seconds=29) < expires_at - utcnow() <= timedelta(seconds=30)


def test_a_ticket_opens_one_socket_as_its_user_and_only_once(client, server, make_user):
    user_id, token = make_user()
    ticket = new_ticket(client, token)
    ws = with_ticket(server, ticket)
    try:
        assert json.loads(ws.recv())["data"]["userId"] == user_id
    finally:
        ws.close()
    used = client.get(f"/ws?ticket={ticket}", headers=HANDSHAKE)
    assert used.status_code == 401
    assert "ticket is not valid" in used.json["error"]["message"]
    assert client.get("/ws?ticket=made-up", headers=HANDSHAKE).status_code == 401


def test_an_expired_ticket_is_refused(client, make_user, monkeypatch):
    monkeypatch.setattr(tickets, "TICKET_SECONDS", 1)
    _, token = make_user()
    ticket = new_ticket(client, token)
    time.sleep(1.5)
    assert client.get(f"/ws?ticket={ticket}", headers=HANDSHAKE).status_code == 401


def revoke_all(user_id: int) -> None:
    with db.session() as session:
        session.execute(
            update(ApiToken).where(ApiToken.user_id == user_id).values(revoked_at=utcnow())
        )


def test_a_ticket_of_a_token_revoked_since_is_refused(client, make_user):
    user_id, token = make_user()
    ticket = new_ticket(client, token)
    revoke_all(user_id)
    assert client.get(f"/ws?ticket={ticket}", headers=HANDSHAKE).status_code == 401


def test_an_empty_ticket_is_refused_rather_than_taken_for_none(client):
    assert client.get("/ws?ticket=", headers=HANDSHAKE).status_code == 401


def test_a_socket_opened_with_a_ticket_closes_once_its_token_is_revoked(
    app, client, server, make_user
):
    app.config["WS_TOKEN_RECHECK"] = 0.2
    user_id, token = make_user()
    ws = with_ticket(server, new_ticket(client, token))
    try:
        assert json.loads(ws.recv())["type"] == "connected"
        revoke_all(user_id)
        code, reason = close_frame(ws)
    finally:
        ws.close()
    assert code == 1008 and "revoked" in reason
