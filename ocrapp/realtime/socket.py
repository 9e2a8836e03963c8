"""The WebSocket route: the user's updates, from a snapshot or a sequence number, then live."""

import contextlib
import json
import queue
import threading
import time

from flask import Blueprint, current_app, g, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from ocrapp.core.db import db
from ocrapp.core.lifecycle import active_task_updates
from ocrapp.core.tokens import token_still_live
from ocrapp.ops.metrics import count_task_updates_sent
from ocrapp.realtime.events import MessageType, envelope, history, latest_seq, seq_key
from ocrapp.realtime.frames import (
    finish_frame,
    offered_compression,
    send_frame,
    send_frame_now,
    send_text,
    serialize_writes,
    writes_at_once,
)
from ocrapp.realtime.handshake import (
    POLICY_VIOLATION,
    authenticate_first_message,
    authenticate_handshake,
    check_since,
)
from ocrapp.realtime.hub import GOING_AWAY, RESYNC, Inbox, Update

sock = Sock()
bp = Blueprint("ws", __name__)
GOING_AWAY_CODE = 1001
# Put in a socket's inbox by its reader when the client sent something or went away.
CLIENT_ACTED = object()
# Put in a socket's inbox by the hub when it wrote only part of a frame: write the rest.
FINISH_FRAME = object()


@bp.before_request
def check_request() -> None:
    """Authenticate and check `?since=` before the handshake, so errors are plain HTTP.

    One without a ticket or token is let through: it must send its token as its first message.
    """
    authenticate_handshake()
    since = request.args.get("since")
    if since is not None:
        check_since(since)
    if not current_app.config["WS_COMPRESSION"]:
        # simple-websocket accepts permessage-deflate whenever a client offers it: hide the offer.
        request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


class UpdateFeed:
    """What one socket has been sent, so that nothing is sent twice or missed."""

    def __init__(self, ws, user_id: int) -> None:
        self.ws, self.user_id, self.config = ws, user_id, current_app.config
        self.last, self.last_key = "0-0", (0, 0)
        self.compressed = offered_compression()
        # The socket's greenlet is delivering (a write, a catch-up): the hub must not write.
        self.delivering = False
        self.inbox: Inbox | None = None

    def send(self, message) -> None:
        if not isinstance(message, Update):
            send_text(self.ws, json.dumps(message))
            count_task_updates_sent()  # a live update is counted when the hub queues it
        elif self.compressed:
            send_text(self.ws, message.text)
        else:
            send_frame(self.ws, message.frame)
        if "seq" in message:
            self.sent(message["seq"])

    def sent(self, seq: str, key: tuple[int, int] | None = None) -> None:
        """Note `seq` (its `seq_key` if known) as the last update sent."""
        self.last, self.last_key = seq, key or seq_key(seq)

    def go_live(self, inbox: Inbox) -> None:
        """Let the hub write live updates itself, where that is safe (gevent, uncompressed):
        at 5,000 sockets, waking each one's greenlet cost more than the writes."""
        if writes_at_once(self.ws) and not self.compressed:
            self.inbox, inbox.direct = inbox, self.send_now

    def send_now(self, update: Update) -> bool:
        """Write `update` from the hub as far as the socket takes it without waiting (the
        rest goes out before any other write); False: queue it.

        Called only while the inbox is empty, and on gevent nothing runs between the checks
        and the write: updates keep their order, and no other write (ours, or
        simple-websocket's pings) can come between a frame's bytes.
        """
        if self.delivering:
            return False
        if update.key <= self.last_key:
            return True  # sent already
        written = send_frame_now(self.ws, update.frame)
        if not written:
            return False
        self.sent(update["seq"], update.key)
        if written < len(update.frame):
            # The rest waits in the socket, written before anything else: wake the greenlet.
            self.inbox.put_nowait(FINISH_FRAME)
        return True

    def start(self, since: str | None) -> None:
        """Send `connected`, then what was missed since `since`, or a snapshot."""
        self.sent(since or latest_seq(self.config, self.user_id))
        data = {"userId": self.user_id, "seq": self.last}
        send_text(self.ws, json.dumps(envelope(MessageType.CONNECTED, data)))
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
        self.delivering = True
        try:
            if item is FINISH_FRAME:
                finish_frame(self.ws)
            elif item is RESYNC:
                self.catch_up()
            elif item.key > self.last_key:
                self.send(item)
        finally:
            self.delivering = False
        return True


class ClientReader:
    """Read what an authenticated client sends, so that nothing piles up unread.

    Clients only listen: the relay closes the socket (1008) once one sends a message. The
    reader runs in a thread of its own (a greenlet under gevent) and wakes the relay
    through the inbox when the client sends something or goes away.
    """

    def __init__(self, ws, inbox: queue.Queue) -> None:
        self.ws, self.inbox, self.spoke = ws, inbox, False
        # simple-websocket wakes a receive() when the client's side closes, not when ours
        # does: the timeout lets the reader end after the server closed the socket.
        self.wake_every = current_app.config["WS_TOKEN_RECHECK"]
        threading.Thread(target=self._read, name="ws-reader", daemon=True).start()

    def _read(self) -> None:
        # Reads on until the socket closes: a relay stuck sending to a client that does not
        # read must not leave what that client sends piling up meanwhile.
        with contextlib.suppress(ConnectionClosed):
            while self.ws.connected:
                if self.ws.receive(timeout=self.wake_every) is not None and not self.spoke:
                    self.spoke = True
                    self._wake_relay()
        self._wake_relay()

    def _wake_relay(self) -> None:
        with contextlib.suppress(queue.Full):  # a full inbox wakes the relay anyway
            self.inbox.put_nowait(CLIENT_ACTED)


def relay(ws, feed: UpdateFeed, inbox: queue.Queue, token_id: int) -> None:
    """Deliver the inbox's updates, checking every WS_TOKEN_RECHECK seconds that the token
    lives, until the socket closes or its client sends a message."""
    reader = ClientReader(ws, inbox)
    recheck_every = current_app.config["WS_TOKEN_RECHECK"]
    recheck_at = time.monotonic() + recheck_every
    while ws.connected:
        try:
            item = inbox.get(timeout=max(recheck_at - time.monotonic(), 0))
        except queue.Empty:
            item = None
        if reader.spoke:
            ws.close(reason=POLICY_VIOLATION, message="Clients send nothing once authenticated.")
            return
        if item is not None and item is not CLIENT_ACTED and not feed.deliver(item):
            return
        if time.monotonic() >= recheck_at:
            if not token_still_live(token_id):
                ws.close(reason=POLICY_VIOLATION, message="The API token was revoked.")
                return
            recheck_at = time.monotonic() + recheck_every


def follow_updates(ws, hub) -> None:
    """Send the snapshot or what was missed, then live updates, until the socket closes."""
    # Subscribed before anything is read, so no update falls between the two.
    inbox = hub.subscribe(g.user_id)
    try:
        feed = UpdateFeed(ws, g.user_id)
        feed.start(request.args.get("since"))
        feed.go_live(inbox)
        relay(ws, feed, inbox, g.token_id)
    finally:
        hub.unsubscribe(g.user_id, inbox)


@sock.route("/ws", bp=bp)
def updates(ws) -> None:
    """Send the user's task updates until the client goes away or its token stops being live."""
    serialize_writes(ws, current_app.config["WS_SEND_TIMEOUT"])
    if "user_id" not in g and not authenticate_first_message(ws):
        return
    hub, most = current_app.extensions["hub"], current_app.config["WS_MAX_PER_USER"]
    with hub.socket_slot(g.user_id, most) as allowed:
        if allowed:
            follow_updates(ws, hub)
        else:
            reason = f"Too many open sockets: at most {most} per user. Close one first."
            ws.close(reason=POLICY_VIOLATION, message=reason)
