"""The WebSocket route: a snapshot of the user's unfinished tasks, then live updates."""

import json
import queue

from flask import Blueprint, current_app, g
from flask_sock import Sock

from ocrapp.auth import authenticate_websocket
from ocrapp.db import db
from ocrapp.events import MessageType, envelope
from ocrapp.lifecycle import active_task_updates

sock = Sock()
bp = Blueprint("ws", __name__)
# Runs before the handshake, so a bad token gets a plain 401 response.
bp.before_request(authenticate_websocket)


@sock.route("/ws", bp=bp)
def updates(ws) -> None:
    """Send the user's task updates until the client goes away."""
    inbox = current_app.extensions["hub"].subscribe(g.user_id)
    try:
        ws.send(json.dumps(envelope(MessageType.CONNECTED, {"userId": g.user_id})))
        # Subscribed before the snapshot is read, so no update falls between the two.
        with db.session() as session:
            snapshot = active_task_updates(session, g.user_id)
        for data in snapshot:
            ws.send(json.dumps(envelope(MessageType.TASK_UPDATE, data)))
        while ws.connected:
            try:
                ws.send(json.dumps(inbox.get(timeout=1)))
            except queue.Empty:
                continue
    finally:
        current_app.extensions["hub"].unsubscribe(g.user_id, inbox)
