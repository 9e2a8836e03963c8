"""One Redis subscription per web process, routing each task update to its owner's sockets."""

import contextlib
import logging
import os
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator

from pydantic_core import to_json

from ocrapp.core.redis_client import redis_client
from ocrapp.ops.metrics import count_task_updates_sent
from ocrapp.realtime.events import MalformedUpdate, channel, decode_published, seq_key
from ocrapp.realtime.frames import text_frame

log = logging.getLogger(__name__)
INBOX_SIZE = 1000
# How much of a malformed payload a log line shows.
LOGGED_PAYLOAD = 200
# Put in an inbox when updates may have been missed (a full inbox, a lost subscription):
# the socket then catches up from the kept history.
RESYNC = object()
# Put in every inbox when the process stops: sockets close with "going away" (1001).
GOING_AWAY = object()


class Update(dict):
    """A live update, serialised once for all the sockets it goes to, not once per socket."""

    def __init__(self, message: dict) -> None:
        super().__init__(message)
        # pydantic-core's serializer, several times faster than json.dumps: compact, and
        # UTF-8 where json.dumps writes \u escapes (the frame carries UTF-8 either way).
        self.text = to_json(message).decode()
        self.key = seq_key(message["seq"])  # compared with each socket's last
        self._frame: bytes | None = None

    @property
    def frame(self) -> bytes:
        """The update's WebSocket frame, built once for all its uncompressed sockets."""
        # Not a cached_property, whose lock (Python 3.11) adds an eighth to a frame's cost.
        # Two threads may both build it: the same bytes.
        if self._frame is None:
            self._frame = text_frame(self.text)
        return self._frame


class Inbox(queue.Queue):
    """A socket's bounded queue of updates; `direct`, once set, may write one at once instead
    (it returns False when the update must be queued)."""

    def __init__(self) -> None:
        super().__init__(maxsize=INBOX_SIZE)
        self.direct: Callable[[Update], bool] | None = None

    def idle(self) -> bool:
        """Whether nothing waits in the inbox, read without its lock: `direct` is set on
        gevent only, where no other greenlet runs between this read and the write."""
        return not self.queue


class UpdateHub:
    """Fan task updates out from the process's one subscription to per-socket inboxes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inboxes: dict[int, set[queue.Queue]] = defaultdict(set)
        self._open_sockets: dict[int, int] = defaultdict(int)
        self._listener_pid: int | None = None
        self._subscribed = threading.Event()

    def init_app(self, app) -> None:
        """Read the Redis URL and channel from the app's config."""
        self.redis_url = app.config["REDIS_URL"]
        self.channel = channel(app.config["EVENT_NAMESPACE"])
        app.extensions["hub"] = self

    def add_inbox(self, user_id: int) -> Inbox:
        """Return a new, bounded inbox for the updates of `user_id`."""
        inbox = Inbox()
        with self._lock:
            self._inboxes[user_id].add(inbox)
        return inbox

    def subscribe(self, user_id: int, timeout: float = 10) -> Inbox:
        """Return a new inbox for one socket of `user_id`, once the subscription is live."""
        inbox = self.add_inbox(user_id)
        with self._lock:
            # A thread started before a fork (gunicorn --preload) does not exist in the child.
            if self._listener_pid != os.getpid():
                self._listener_pid = os.getpid()
                self._subscribed.clear()
                threading.Thread(target=self._listen, name="update-hub", daemon=True).start()
        if not self._subscribed.wait(timeout):
            log.warning("update subscription not live after %ss", timeout)
        return inbox

    def unsubscribe(self, user_id: int, inbox: queue.Queue) -> None:
        """Forget a socket's inbox."""
        with self._lock:
            self._inboxes[user_id].discard(inbox)
            if not self._inboxes[user_id]:
                del self._inboxes[user_id]

    @contextlib.contextmanager
    def socket_slot(self, user_id: int, most: int) -> Iterator[bool]:
        """Count a socket of `user_id` open for the block, unless it has `most` open already:
        yield whether it may stay. Per process: another process counts its own."""
        with self._lock:
            allowed = self._open_sockets[user_id] < most
            self._open_sockets[user_id] += allowed
        try:
            yield allowed
        finally:
            with self._lock:
                self._open_sockets[user_id] -= allowed
                if not self._open_sockets[user_id]:
                    del self._open_sockets[user_id]

    def dispatch(self, user_id: int, message: dict) -> int:
        """Put `message` into every inbox of `user_id`; return into how many."""
        with self._lock:
            inboxes = list(self._inboxes.get(user_id, ()))
        if not inboxes:
            return 0  # another process's socket, most often: not worth serialising
        message, queued = Update(message), 0
        for inbox in inboxes:
            # Written at once when nothing waits before it: no switch to the socket's greenlet.
            if inbox.direct is not None and inbox.idle() and inbox.direct(message):
                queued += 1
                continue
            try:
                inbox.put_nowait(message)
                queued += 1
            except queue.Full:
                # A slow client: drop what it has not read; it catches up from the history.
                log.warning("socket inbox of user %s is full; it will catch up", user_id)
                _replace_with(inbox, RESYNC)
        return queued

    def wait_for_change(self, inbox: queue.Queue, task_id: str, status, seconds: float) -> bool:
        """Wait for an update that changes the task's status; False if none came in time."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                item = inbox.get(timeout=remaining)
            except queue.Empty:
                return False
            if item is RESYNC or item is GOING_AWAY:
                return True  # missed updates, or stopping: the database says what happened
            if item["data"]["taskId"] == task_id and item["data"]["status"] != status:
                return True
        return False

    def resync_all(self) -> None:
        """Tell every socket to catch up from the history (updates may have been missed)."""
        for inbox in self._all_inboxes():
            _replace_with(inbox, RESYNC)

    def close_all(self) -> None:
        """Tell every socket to close, so that its client reconnects to another process."""
        for inbox in self._all_inboxes():
            _replace_with(inbox, GOING_AWAY)

    def _all_inboxes(self) -> list[queue.Queue]:
        with self._lock:
            return [inbox for group in self._inboxes.values() for inbox in group]

    def _listen(self) -> None:
        """Receive updates forever, reconnecting with backoff when Redis goes away."""
        failures = 0

        def subscribed() -> None:
            nonlocal failures
            if failures:
                self.resync_all()  # published while the subscription was away
            failures = 0
            self._subscribed.set()

        while True:
            try:
                self._receive(on_subscribed=subscribed)
            except Exception as error:
                self._subscribed.clear()
                delay = min(0.5 * 2**failures, 10)
                failures += 1
                log.warning("update subscription lost (%r); retrying in %.1fs", error, delay)
                time.sleep(delay)

    def _receive(self, on_subscribed) -> None:
        """Subscribe, call `on_subscribed` once Redis confirms, then dispatch each update.

        The updates sent are counted once nothing more has arrived, not per update: each
        count takes a lock and writes a shared file (multiprocess mode), and a burst reaches
        thousands of sockets.
        """
        pubsub, uncounted = redis_client(self.redis_url).pubsub(), 0
        try:
            pubsub.subscribe(self.channel)
            while True:
                # get_message, less its handle_message for a published message (a third of
                # its cost): what that does (metrics, per-channel handlers, subscription
                # bookkeeping) is for other replies, which still go through it.
                reply = pubsub.parse_response(block=False, timeout=0 if uncounted else 5)
                if not reply:
                    count_task_updates_sent(uncounted)
                    uncounted = 0
                    continue
                if reply[0] == b"message":
                    uncounted += self._deliver(reply[2])
                    continue
                # Only the confirmation guarantees that nothing published after it is missed.
                if pubsub.handle_message(reply)["type"] == "subscribe":
                    on_subscribed()
        finally:
            count_task_updates_sent(uncounted)
            pubsub.close()

    def _deliver(self, raw: bytes) -> int:
        """Dispatch one published update; log and skip one that is malformed. Return to how
        many sockets it went."""
        try:
            user_id, message = decode_published(raw)
        except MalformedUpdate as error:
            # Not a lost subscription: resubscribing would resync every socket for nothing.
            shown = raw[:LOGGED_PAYLOAD] + (b"..." if len(raw) > LOGGED_PAYLOAD else b"")
            log.warning("skipped a malformed update (%s): %r", error, shown)
            return 0
        return self.dispatch(user_id, message)


def _replace_with(inbox: queue.Queue, marker: object) -> None:
    """Empty `inbox` and leave `marker` (RESYNC or GOING_AWAY) alone in it."""
    try:
        while True:
            inbox.get_nowait()
    except queue.Empty:
        pass
    with contextlib.suppress(queue.Full):
        inbox.put_nowait(marker)


hub = UpdateHub()
