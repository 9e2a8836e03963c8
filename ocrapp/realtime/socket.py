"""The WebSocket route: the user's updates, from a snapshot or a sequence number, then live."""

import json
import queue
import re
import time

from flask import Blueprint, current_app, g, request
from flask_sock import Sock

from ocrapp.core.db import db
from ocrapp.core.lifecycle import active_task_updates
from ocrapp.core.tokens import token_still_live
from ocrapp.ops.metrics import count_task_updates_sent
from ocrapp.realtime.events import MessageType, envelope, history, latest_seq, seq_key
from ocrapp.realtime.hub import GOING_AWAY, RESYNC, Update
from ocrapp.web.auth import bearer_token, check_token
from ocrapp.web.errors import ApiError

sock = Sock()
bp = Blueprint("ws", __name__)
SEQ = re.compile(r"^\d{1,20}-\d{1,20}$")
GOING_AWAY_CODE = 1001
POLICY_VIOLATION = 1008


@bp.before_request
def check_request() -> None:
    """Authenticate and check `?since=` before the handshake, so errors are plain HTTP.

    A request without a token is let through: it must send one as its first message.
    """
    token = bearer_token() or request.args.get("token")
    if token is not None:
        check_token(token)
    since = request.args.get("since")
    if since is not None and not SEQ.match(since):
        raise ApiError(400, "invalid_request", "since: a sequence number such as 1764097200000-0")


class UpdateFeed:
    """What one socket has been sent, so that nothing is sent twice or missed."""

    def __init__(self, ws, user_id: int) -> None:
        self.ws, self.user_id, self.config = ws, user_id, current_app.config
        self.last = "0-0"

    def send(self, message: dict) -> None:
        self.ws.send(message.text if isinstance(message, Update) else json.dumps(message))
        count_task_updates_sent()
        if "seq" in message:
            self.last = message["seq"]

    def start(self, since: str | None) -> None:
        """Send `connected`, then what was missed since `since`, or a snapshot."""
        self.last = since or latest_seq(self.config, self.user_id)
        data = {"userId": self.user_id, "seq": self.last}
        self.ws.send(json.dumps(envelope(MessageType.CONNECTED, data)))
        if since is not None:
            self.catch_up()
            return
        with db.session() as session:
            snapshot = active_task_updates(session, self.user_id)
        for task_data in snapshot:  # from the database: no `seq`
            self.send(envelope(MessageType.TASK_UPDATE, task_data))

    def catch_up(self) -> None:
        """Send the kept updates that came after the last one sent."""
        for message in history(self.config, self.user_id, since=self.last):
            self.send(message)

    def deliver(self, item) -> bool:
        """Send a live update unless it was sent already; catch up after a gap.

        Return False once the socket is closed because the process is stopping.
        """
        if item is GOING_AWAY:
            self.ws.close(reason=GOING_AWAY_CODE, message="The server is restarting.")
            return False
        if item is RESYNC:
            self.catch_up()
        elif seq_key(item["seq"]) > seq_key(self.last):
            self.send(item)
        return True


def authenticate_first_message(ws) -> bool:
    """Take the token from the first message, `{"type": "auth", "token": "..."}`.

    Return False, having closed the socket with 1008, if it does not come or is not valid.
    """
    message = ws.receive(timeout=current_app.config["WS_AUTH_TIMEOUT"])
    try:
        token = json.loads(message or "{}").get("token") if message else None
        check_token(token if isinstance(token, str) else None)
    except (ValueError, AttributeError, ApiError):
        ws.close(reason=POLICY_VIOLATION, message="Send a valid API token first.")
        return False
    return True


def relay(ws, feed: UpdateFeed, inbox: queue.Queue, token_id: int) -> None:
    """Deliver the inbox's updates, checking every WS_TOKEN_RECHECK seconds that the token lives."""
    recheck_every, idle_wake = (
        current_app.config["WS_TOKEN_RECHECK"],
        current_app.config["WS_IDLE_WAKE"],
    )
    recheck_at = time.monotonic() + recheck_every
    while ws.connected:
        try:
            item = inbox.get(timeout=min(idle_wake, max(recheck_at - time.monotonic(), 0)))
        except queue.Empty:
            item = None
        if item is not None and not feed.deliver(item):
            return
        if time.monotonic() >= recheck_at:
            if not token_still_live(token_id):
                ws.close(reason=POLICY_VIOLATION, message="The API token was revoked.")
                return
            recheck_at = time.monotonic() + recheck_every


@sock.route("/ws", bp=bp)
def updates(ws) -> None:
    """Send the user's task updates until the client goes away or its token stops being live."""
    if "user_id" not in g and not authenticate_first_message(ws):
        return
    hub = current_app.extensions["hub"]
    # Subscribed before anything is read, so no update falls between the two.
    inbox = hub.subscribe(g.user_id)
    try:
        feed = UpdateFeed(ws, g.user_id)
        feed.start(request.args.get("since"))
        relay(ws, feed, inbox, g.token_id)
    finally:
        hub.unsubscribe(g.user_id, inbox)
