"""Waiting for a task: its updates over the WebSocket, reopened with `since=` when it drops,
or by long polling when no socket can be opened."""

import json
import logging
import random
import threading
import time
from collections.abc import Callable

import websocket

from ocrapp.client.models import Task

log = logging.getLogger("ocrapp.client")
# The server pings every 25 s: this long without a frame, the connection is dead.
SILENCE_LIMIT = 60.0
REOPEN_ATTEMPTS = 5
# A socket that lived this long before dropping was fine: its drop is not a failure.
STEADY_SECONDS = 5.0
LONG_POLL_SECONDS = 60
# How long a resumed socket is read for the updates missed, once the task is known finished.
REPLAY_SECONDS = 2.0


class SocketUnavailable(Exception):
    """The WebSocket could not be opened, or closed before it said `connected`."""


class Stopped(Exception):
    """`Follower.stop()` was called: the task is followed no more."""


class Follower:
    """Follow one task to its end, calling `on_update` with each new state of it."""

    def __init__(
        self, client, task_id: str, on_update, timeout: float | None, last: Task | None = None
    ) -> None:
        self.client, self.task_id, self.on_update = client, task_id, on_update
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.since: str | None = None  # the last update's `seq`: where a new socket resumes
        self.last = last  # the state already shown, not reported again
        self.stopped = threading.Event()
        self.ws: websocket.WebSocket | None = None

    def stop(self) -> None:
        """Make `run` raise Stopped soon, from another thread: its socket is shut at once."""
        self.stopped.set()
        if (ws := self.ws) is not None:
            ws.abort()  # wakes the thread blocked in recv()

    def run(self) -> Task:
        """Return the task once finished: over the socket, else by long polling."""
        try:
            return self.over_socket()
        except SocketUnavailable as error:
            log.info("following task %s by long polling: %s", self.task_id, error)
            return self.by_polling()

    def over_socket(self) -> Task:
        """Follow over the WebSocket, reopening it with `since=` each time it drops."""
        failures = 0
        while True:
            resumed, opened, failed = self.since is not None, time.monotonic(), False
            try:
                self.ws = ws = self.open_socket()
                try:
                    self.check_stopped()  # stopped before self.ws was set: nothing aborted it
                    if (task := self.read_socket(ws, resumed)) is not None:
                        return task
                finally:
                    self.ws = None
                    ws.close()
                self.check_stopped()
                log.info(
                    "task %s: socket dropped; reopening with since=%s", self.task_id, self.since
                )
            except SocketUnavailable:
                if self.since is None:
                    raise
                failed = True
            # A socket that failed or dropped at once counts against the attempts, with backoff.
            steady = not failed and time.monotonic() - opened >= STEADY_SECONDS
            failures = 0 if steady else failures + 1
            if failures > REOPEN_ATTEMPTS:
                raise SocketUnavailable(f"the WebSocket dropped {failures} times in a row")
            if failures:
                self.pause(min(0.5 * 2**failures, 10) * random.uniform(0.8, 1.2))

    def open_socket(self) -> websocket.WebSocket:
        """Open the socket (resuming after `since`, if set) and read its `connected`."""
        self.check_stopped()
        url = "ws" + self.client.url.removeprefix("http") + "/ws"
        if self.since:
            url += f"?since={self.since}"
        header = [f"Authorization: Bearer {self.client.token}"]
        try:
            ws = websocket.create_connection(url, header=header, timeout=self.client.timeout)
            connected = receive(ws)
        except (websocket.WebSocketException, OSError, ValueError) as error:
            raise SocketUnavailable(f"{type(error).__name__}: {error}") from error
        if connected is None or connected.get("type") != "connected":
            ws.close()
            raise SocketUnavailable("the server did not confirm the WebSocket")
        self.since = connected["data"]["seq"]
        return ws

    def read_socket(self, ws: websocket.WebSocket, resumed: bool) -> Task | None:
        """Report the task's updates until it finishes (return it) or the socket drops."""
        # The socket is subscribed now: a task finished before it shows in this answer.
        if (task := self.client.task(self.task_id)).finished:
            if resumed:
                self.replay(ws)
            return self.report(task)
        while True:
            ws.settimeout(self.wait_at_most(SILENCE_LIMIT))
            try:
                message = receive(ws)
            except websocket.WebSocketTimeoutException:
                self.wait_at_most(SILENCE_LIMIT)  # raises TimeoutError once it is time
                return None
            except (websocket.WebSocketException, OSError):
                return None
            if message is None:
                return None
            self.since = message.get("seq", self.since)
            if (task := self.update_of_task(message)) is not None and task.finished:
                return task

    def replay(self, ws: websocket.WebSocket) -> None:
        """Report the updates missed while away, which a resumed socket sends at once."""
        ws.settimeout(REPLAY_SECONDS)
        try:
            while (message := receive(ws)) is not None:
                if (task := self.update_of_task(message)) is not None and task.finished:
                    return
        except (websocket.WebSocketException, OSError):
            return  # what was not replayed in time is skipped: the task's end is known

    def update_of_task(self, message: dict) -> Task | None:
        """Report the task's new state if `message` is an update of it, and return it."""
        data = message.get("data") or {}
        if message.get("type") != "task_update" or data.get("taskId") != self.task_id:
            return None
        return self.report(Task.model_validate(data))

    def by_polling(self) -> Task:
        """Follow by long polls of `GET /api/tasks/<id>?wait=`, each answered on a change."""
        task = self.report(self.client.task(self.task_id))
        while not task.finished:
            self.check_stopped()
            seconds = max(1, int(self.wait_at_most(LONG_POLL_SECONDS)))
            asked, before = time.monotonic(), task
            task = self.report(self.client.task(self.task_id, wait=seconds))
            if time.monotonic() - asked < 1 and before.status == task.status:
                self.pause(2)  # a server that does not long-poll: poll every 2 s instead
        return task

    def report(self, task: Task) -> Task:
        """Call `on_update` with `task` unless it is the state reported last."""
        if task != self.last:
            self.last = task
            if self.on_update is not None:
                self.on_update(task)
        return task

    def wait_at_most(self, seconds: float) -> float:
        """Return `seconds`, or less as the deadline nears; TimeoutError once it passed."""
        if self.deadline is None:
            return seconds
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"task {self.task_id} did not finish within {self.timeout}s")
        return min(seconds, left)

    def pause(self, seconds: float) -> None:
        """Sleep `seconds`, or until the deadline or `stop()`."""
        self.stopped.wait(self.wait_at_most(seconds))
        self.check_stopped()

    def check_stopped(self) -> None:
        """Raise Stopped once `stop()` was called."""
        if self.stopped.is_set():
            raise Stopped(f"stopped following task {self.task_id}")


def receive(ws: websocket.WebSocket) -> dict | None:
    """Return the next message, decoded; None once the server closed the socket."""
    raw = ws.recv()
    return json.loads(raw) if raw else None


def follow(client, task_id: str, on_update: Callable | None, timeout: float | None) -> Task:
    """Follow `task_id` until it finishes; see `Client.wait`."""
    return Follower(client, task_id, on_update, timeout).run()
