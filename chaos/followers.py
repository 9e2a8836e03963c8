"""WebSocket clients, one per user, that reconnect with `since=` and keep each task's state."""

import contextlib
import json
import socket
import threading
import time

import websocket

from chaos.journal import Journal
from chaos.load import User


class Follower:
    """One user's socket: the last known state of each task, and every task id it was sent."""

    def __init__(self, user: User, urls: list[str], journal: Journal) -> None:
        self.user, self.journal = user, journal
        self.urls = [url.replace("http://", "ws://") + "/ws" for url in urls]
        self.states: dict[str, dict] = {}
        self.last_seq: str | None = None
        self.connections = 0
        self.stalled_until = 0.0
        self.thread = threading.Thread(target=self.run, name=f"follow-{user.email}", daemon=True)

    def start(self, stop: threading.Event) -> None:
        self.stop = stop
        self.thread.start()

    def stall(self, seconds: float) -> None:
        """Stop reading for `seconds`: the server's pings go unanswered, its sends pile up."""
        self.stalled_until = time.monotonic() + seconds

    def run(self) -> None:
        """Connect, read until the socket drops, reconnect with `since=`, until stopped."""
        while not self.stop.is_set():
            url = self.urls[self.connections % len(self.urls)]
            self.connections += 1
            with contextlib.suppress(websocket.WebSocketException, OSError):
                self.follow(url)
            self.stop.wait(0.5)

    def follow(self, url: str) -> None:
        since = f"?since={self.last_seq}" if self.last_seq else ""
        ws = websocket.create_connection(
            url + since,
            header=[f"Authorization: Bearer {self.user.token}"],
            timeout=10,
            sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)],
        )
        try:
            ws.settimeout(1)
            while not self.stop.is_set():
                if time.monotonic() < self.stalled_until:
                    self.stop.wait(0.2)
                    continue
                try:
                    text = ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if not text:
                    return  # closed
                self.receive(json.loads(text))
        finally:
            ws.close(timeout=1)

    def receive(self, message: dict) -> None:
        """Keep what a message says: the sequence number, and the task's latest state."""
        if message["type"] == "connected":
            self.last_seq = message["data"]["seq"]
            if self.user.id and message["data"]["userId"] != self.user.id:
                self.journal.problem(f"{self.user.email} connected as user {message['data']}")
            return
        if message["type"] != "task_update":
            return
        data = message["data"]
        if data.get("userId") not in (None, self.user.id):
            self.journal.problem(f"{self.user.email} was sent user {data['userId']}'s update")
        self.states[data["taskId"]] = data
        if "seq" in message:
            self.last_seq = message["seq"]
