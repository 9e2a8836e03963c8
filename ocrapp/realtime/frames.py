"""WebSocket frames built once per update and written as they are to uncompressed sockets.

simple-websocket frames each message per socket (wsproto encodes, copies and frames it).
A server's frame of a message is the same bytes on every socket that negotiated no
extension (RFC 6455: servers do not mask), so an update is framed once for all of them.
A socket that negotiated permessage-deflate keeps its own compressor: it goes through
`ws.send`.

Under gevent, the hub may also write an update's frame itself, without waking the
socket's greenlet, when the socket can surely take it at once (`send_frame_now`).
"""

import contextlib
import fcntl
import socket
import ssl
import struct
import sys
import termios
import threading

from flask import request
from simple_websocket import ConnectionClosed
from wsproto.connection import ConnectionState
from wsproto.frame_protocol import FrameProtocol

# The most a frame written at once may weigh: an empty socket buffer takes it whole (its
# least size is a few kilobytes); a task update's frame is a few hundred bytes.
SMALL_FRAME = 4096
_this_thread = threading.local()


def text_frame(text: str) -> bytes:
    """Return the server's single, unmasked, uncompressed frame that carries `text`."""
    return bytes(_frame_protocol().send_data(text))


def _frame_protocol() -> FrameProtocol:
    """This thread's server frame protocol, made once: making one costs as much as a frame.

    A protocol keeps state only between the frames of one message, and each `text_frame`
    sends a whole message (`fin`); per thread, as no two frames may share that state.
    """
    protocol = getattr(_this_thread, "frame_protocol", None)
    if protocol is None:
        protocol = _this_thread.frame_protocol = FrameProtocol(client=False, extensions=[])
    return protocol


def offered_compression() -> bool:
    """Whether this WebSocket request still offers permessage-deflate to simple-websocket."""
    return "permessage-deflate" in request.environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", "")


def send_frame(ws, frame: bytes) -> None:
    """Write a prebuilt frame to an uncompressed `ws`, as `ws.send` would its message."""
    if not ws.connected or ws.ws.state is not ConnectionState.OPEN:
        raise ConnectionClosed(ws.close_reason, ws.close_message)
    ws.sock.sendall(frame)


def cooperative() -> bool:
    """Whether this process runs on gevent's patched sockets and threads: greenlets on one
    thread, where nothing runs between a check and a write that does not wait."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and all(map(monkey.is_module_patched, ("socket", "threading")))


def writes_at_once(ws) -> bool:
    """Whether frames may be written to `ws` without waiting: a plain socket under gevent
    (gevent's TLS sockets wait for the peer even when asked not to)."""
    return cooperative() and not isinstance(ws.sock, ssl.SSLSocket)


def send_frame_now(ws, frame: bytes) -> int:
    """Write `frame` to an uncompressed `ws` if it surely takes all of it without waiting:
    nothing else unsent in the socket and the frame small. Return the bytes written: 0 when
    it was not tried or the socket took none, fewer than the frame's only if the kernel
    took part of it even so."""
    if len(frame) > SMALL_FRAME or not ws.connected or ws.ws.state is not ConnectionState.OPEN:
        return 0
    try:
        if _unsent_bytes(ws.sock):
            return 0
        return ws.sock.send(frame, 0, timeout=0.0)
    except OSError:  # full (EAGAIN) or gone: the socket's greenlet deals with it
        return 0


def drop(ws) -> None:
    """End a connection whose last frame went out in part: nothing may follow it. The client
    reconnects with `since=` and misses nothing."""
    with contextlib.suppress(OSError):
        ws.sock.shutdown(socket.SHUT_RDWR)


def _unsent_bytes(sock) -> int:
    """The bytes written to `sock` and not yet sent (Linux's SIOCOUTQ; elsewhere, as if
    some were, so that nothing is written at once)."""
    if not hasattr(termios, "TIOCOUTQ"):
        return 1
    queued = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    return struct.unpack("i", queued)[0]
