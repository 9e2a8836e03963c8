"""WebSocket frames built once per update and written as they are to uncompressed sockets.

simple-websocket frames each message per socket (wsproto encodes, copies and frames it).
A server's frame of a message is the same bytes on every socket that negotiated no
extension (RFC 6455: servers do not mask), so an update is framed once for all of them.
A socket that negotiated permessage-deflate keeps its own compressor: its messages are
framed by its wsproto connection (`send_text`).

Under gevent, the hub may also write an update's frame itself, without waking the
socket's greenlet, when the socket takes it without waiting (`send_frame_now`).
"""

import contextlib
import socket
import ssl
import struct
import sys
import threading

from flask import request
from simple_websocket import ConnectionClosed
from wsproto.connection import ConnectionState
from wsproto.events import TextMessage

# The most a frame written at once may weigh; a task update's frame is a few hundred bytes.
SMALL_FRAME = 4096
# RFC 6455 7.4.1: the connection ended without a close frame.
ABNORMAL_CLOSURE = 1006
# A final text frame's first byte (FIN, opcode 1), and the header's two longer length forms.
_FIN_TEXT = 0x81
_LENGTH_16 = struct.Struct("!BBH")
_LENGTH_64 = struct.Struct("!BBQ")


def text_frame(text: str) -> bytes:
    """Return the server's single, unmasked, uncompressed frame that carries `text`.

    RFC 6455 5.2, written out: wsproto's `FrameProtocol` took 2.4 µs a frame (a sixth of
    the hub's work per update, before the sends), this 0.2 µs; tests compare their bytes.
    """
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((_FIN_TEXT, length))
    elif length < 1 << 16:
        header = _LENGTH_16.pack(_FIN_TEXT, 126, length)
    else:
        header = _LENGTH_64.pack(_FIN_TEXT, 127, length)
    return header + payload


def offered_compression() -> bool:
    """Whether this WebSocket request still offers permessage-deflate to simple-websocket."""
    return "permessage-deflate" in request.environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", "")


class SerialSocket:
    """A WebSocket's socket whose writes go out one at a time, each whole, each in time.

    simple-websocket's own thread writes pings, pongs and close frames with one `send`
    while the relay may wait in the middle of a long message to a slow client: a ping
    landed inside the message, or gevent refused a second writer waiting on the socket
    (`ConcurrentObjectUseError`, which ended the route or simple-websocket's thread).
    Here every write, theirs and ours, holds the socket's lock and is written whole.

    A client that stops reading (its TCP window shut) held a write, and with it the socket's
    greenlet or thread, forever: a write that waits longer than `send_timeout` seconds fails
    (`TimeoutError`), and the connection is dropped.

    What the kernel did not take of a frame written at once (`send_now`) is kept as
    `pending`, and every later write sends it first: nothing can come between its bytes.
    """

    def __init__(self, sock, send_timeout: float) -> None:
        self.wrapped, self.lock, self.send_timeout = sock, threading.Lock(), send_timeout
        self.pending = b""
        # Asked once per socket, not per write: the process's kind never changes.
        self.cooperative = cooperative()
        if not self.cooperative:
            # A blocking socket's kernel send gives up after this (per wait): see `_in_time`.
            seconds, micros = divmod(int(send_timeout * 1_000_000), 1_000_000)
            timeval = struct.pack("ll", seconds, micros)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)

    def fileno(self) -> int:
        return self.wrapped.fileno()

    def send(self, data: bytes, flags: int = 0) -> int:
        """Write `data` whole (simple-websocket's writes come here); return its length."""
        self.sendall(data, flags)
        return len(data)

    def sendall(self, data: bytes, flags: int = 0) -> None:
        with self.lock, self._in_time():
            if self.pending:
                pending, self.pending = self.pending, b""
                self.wrapped.sendall(pending)
            self.wrapped.sendall(data, flags)

    def _in_time(self):
        """A limit on one write: gevent's, whose sockets wait in the hub (`SO_SNDTIMEO`
        limits blocking sockets, as gthread's are, in the kernel)."""
        if not self.cooperative:
            return contextlib.nullcontext()
        import gevent  # only where gevent runs the process

        message = f"the client took no write for {self.send_timeout} s"
        return gevent.Timeout(self.send_timeout, TimeoutError(message))

    def send_now(self, data: bytes) -> int:
        """Write what the socket takes of `data` without waiting, and keep the rest as
        `pending`; 0 if another write is under way or pending. On gevent only: nothing runs
        between the check and a send that does not wait, so the lock need not be taken."""
        if self.lock.locked() or self.pending:
            return 0
        written = self.wrapped.send(data, 0, timeout=0.0)
        self.pending = data[written:]
        return written

    def __getattr__(self, name: str):
        return getattr(self.wrapped, name)


def serialize_writes(ws, send_timeout: float) -> None:
    """Make every write to `ws`, simple-websocket's included, whole, one at a time, and
    limited to `send_timeout` seconds."""
    ws.sock = SerialSocket(ws.sock, send_timeout)


def send_frame(ws, frame: bytes) -> None:
    """Write a prebuilt frame to an uncompressed `ws`, whole."""
    _check_open(ws)
    _write_all(ws, frame)


def send_text(ws, text: str) -> None:
    """Send `text` as one message on `ws`, compressed if it negotiated so, whole.

    simple-websocket's `ws.send` writes once and drops what the socket did not take
    (miguelgrinberg/simple-websocket#45, unreleased): on gevent's non-blocking sockets a
    message larger than the room left in the send buffer went out cut, and the client
    read a broken stream.
    """
    _check_open(ws)
    _write_all(ws, ws.ws.send(TextMessage(data=text)))


def _is_open(ws) -> bool:
    """Whether `ws` may still be written to."""
    return ws.connected and ws.ws.state is ConnectionState.OPEN


def _check_open(ws) -> None:
    """Raise ConnectionClosed unless `ws` may still be written to."""
    if not _is_open(ws):
        raise ConnectionClosed(ws.close_reason, ws.close_message)


def _write_all(ws, data: bytes) -> None:
    """Write `data` whole; a client gone meanwhile (reset, broken pipe) or too slow to take
    it (the send timeout) is a closed connection, as flask-sock expects, not an error of the
    route."""
    try:
        ws.sock.sendall(data)
    except OSError as error:
        drop(ws)  # a frame may have gone out in part: nothing may follow it
        raise ConnectionClosed(ABNORMAL_CLOSURE, str(error)) from error


def cooperative() -> bool:
    """Whether this process runs on gevent's patched sockets and threads: greenlets on one
    thread, where nothing runs between a check and a write that does not wait."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and all(map(monkey.is_module_patched, ("socket", "threading")))


def writes_at_once(ws) -> bool:
    """Whether frames may be written to `ws` without waiting: a plain socket under gevent
    (gevent's TLS sockets wait for the peer even when asked not to)."""
    return cooperative() and not isinstance(ws.sock.wrapped, ssl.SSLSocket)


def send_frame_now(ws, frame: bytes) -> int:
    """Write a small `frame` to an uncompressed `ws` as far as it takes it without waiting.

    Return the bytes written: 0 when it was not tried or the socket took none; fewer than
    the frame's when the kernel took part of it, the rest then waits in the socket's
    `pending` for `finish_frame` or the next write. Checking first that the socket had
    room (Linux's SIOCOUTQ) cost a system call per delivery, a seventh of a burst's CPU.
    """
    if len(frame) > SMALL_FRAME or not _is_open(ws):
        return 0
    try:
        return ws.sock.send_now(frame)
    except OSError:  # full (EAGAIN) or gone: the socket's greenlet deals with it
        return 0


def finish_frame(ws) -> None:
    """Write what `send_frame_now` left of a frame, waiting as any write does."""
    _write_all(ws, b"")


def drop(ws) -> None:
    """End a connection whose last frame went out in part: nothing may follow it. The client
    reconnects with `since=` and misses nothing."""
    with contextlib.suppress(OSError):
        ws.sock.shutdown(socket.SHUT_RDWR)
