"""WebSocket frames built once per update and written as they are to uncompressed sockets.

simple-websocket frames each message per socket (wsproto encodes, copies and frames it).
A server's frame of a message is the same bytes on every socket that negotiated no
extension (RFC 6455: servers do not mask), so an update is framed once for all of them.
A socket that negotiated permessage-deflate keeps its own compressor: it goes through
`ws.send`.

Under gevent, the hub may also write an update's frame itself, without waking the
socket's greenlet, when the socket can take it at once (`send_frame_now`).
"""

import sys

from flask import request
from simple_websocket import ConnectionClosed
from wsproto.connection import ConnectionState
from wsproto.frame_protocol import FrameProtocol


def text_frame(text: str) -> bytes:
    """Return the server's single, unmasked, uncompressed frame that carries `text`."""
    # A fresh protocol each time: it keeps state between the frames of one message.
    return bytes(FrameProtocol(client=False, extensions=[]).send_data(text))


def offered_compression() -> bool:
    """Whether this WebSocket request still offers permessage-deflate to simple-websocket."""
    return "permessage-deflate" in request.environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS", "")


def send_frame(ws, frame: bytes) -> None:
    """Write a prebuilt frame to an uncompressed `ws`, as `ws.send` would its message."""
    if not ws.connected or ws.ws.state is not ConnectionState.OPEN:
        raise ConnectionClosed(ws.close_reason, ws.close_message)
    ws.sock.sendall(frame)


def cooperative() -> bool:
    """Whether this process runs on gevent's patched sockets: greenlets on one thread, where
    nothing runs between a check and a write that does not wait."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def send_frame_now(ws, frame: bytes) -> int:
    """Write what of `frame` an uncompressed `ws` takes without waiting (gevent's socket);
    return the bytes written: 0 when it takes none or is closed."""
    if not ws.connected or ws.ws.state is not ConnectionState.OPEN:
        return 0
    try:
        return ws.sock.send(frame, 0, timeout=0.0)
    except OSError:  # full (EAGAIN) or gone: the socket's greenlet deals with it
        return 0
