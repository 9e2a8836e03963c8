"""A WebSocket client as an asyncio protocol on wsproto, noting when each message's bytes arrive.

The benchmark's clients share two cores with the web process they measure: what a client
spends per message delays the messages behind it, and the time it notes. The websockets
library's clients spent about 50 µs of CPU per message here; wsproto's parser, called
from `data_received`, about 15 µs, and the time is taken as the bytes arrive. While a
burst is measured a reader holds what arrives unparsed, counting whole messages by their
frame headers, and parses it after the burst (`hold`, `release`): about 13 µs per message
then, where the whole parse cost 31 µs (an epoll thread reading the raw sockets took 11 µs,
most of both being the loop's wake-up and read per message).
"""

import asyncio
import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    Pong,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate


class WebSocketReader(asyncio.Protocol):
    """One client socket: it sends nothing but its handshake and its answers to pings, and
    hands each text message, parsed, to `on_message` with the time its bytes arrived."""

    def __init__(self, url: str, headers: dict[str, str], compression: bool, on_message) -> None:
        self.url, self.headers, self.compression = urlsplit(url), headers, compression
        self.on_message: Callable[[dict, float], None] = on_message
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.compressed = False  # whether the server accepted permessage-deflate
        self.transport: asyncio.Transport | None = None
        self.parts: list[str] = []
        # While held: each chunk with its arrival time, and the bytes of a message cut short.
        self.held: list[tuple[float, bytes]] | None = None
        self.cut = b""
        self.on_messages: Callable[[int], None] = lambda count: None

    def connection_made(self, transport) -> None:
        self.transport = transport
        request = Request(
            host=self.url.netloc,
            target=self.url.path,
            extra_headers=[(name.encode(), value.encode()) for name, value in self.headers.items()],
            extensions=[PerMessageDeflate()] if self.compression else [],
        )
        transport.write(self.ws.send(request))

    def hold(self, on_messages: Callable[[int], None]) -> None:
        """Keep what arrives unparsed until `release`, telling `on_messages` how many whole
        messages each chunk completes. Called between bursts, once the last one arrived
        whole: counting starts at a frame's first byte."""
        self.held, self.on_messages = [], on_messages

    def release(self) -> None:
        """Parse what was held, each message with the time its chunk arrived; then parse as
        bytes arrive."""
        held, self.held, self.cut = self.held or [], None, b""
        for arrived, data in held:
            self._parse(data, arrived)

    def data_received(self, data: bytes) -> None:
        arrived = time.monotonic()
        if self.held is None:
            self._parse(data, arrived)
            return
        self.held.append((arrived, data))
        self.on_messages(self._count_messages(data))

    def _count_messages(self, data: bytes) -> int:
        """Count the messages whose last frame `data` completes (FIN, not a control frame);
        a server's frames are unmasked (RFC 6455, 5.2)."""
        data, count, at = self.cut + data, 0, 0
        while len(data) - at >= 2:
            length, header = data[at + 1] & 0x7F, 2
            if length >= 126:
                header = 4 if length == 126 else 10
                if len(data) - at < header:
                    break
                length = int.from_bytes(data[at + 2 : at + header])
            if len(data) - at < header + length:
                break
            opcode = data[at] & 0x0F
            if data[at] & 0x80 and opcode < 0x8:
                count += 1
            elif opcode == 0x9:  # a ping: answered now, not when the burst is parsed
                payload = data[at + header : at + header + length]
                self.transport.write(self.ws.send(Pong(payload=payload)))
            at += header + length
        self.cut = data[at:]
        return count

    def _parse(self, data: bytes, arrived: float) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, TextMessage):
                self.parts.append(event.data)
                if event.message_finished:
                    self._message("".join(self.parts), arrived)
                    self.parts = []
            elif isinstance(event, Ping):
                self.transport.write(self.ws.send(event.response()))
            elif isinstance(event, AcceptConnection):
                self.compressed = bool(event.extensions)
            elif isinstance(event, RejectConnection):
                self._fail(ConnectionError(f"refused with {event.status_code}"))
            elif isinstance(event, CloseConnection):
                self.transport.write(self.ws.send(event.response()))
                self.transport.close()

    def _message(self, text: str, arrived: float) -> None:
        message = json.loads(text)
        if not self.opened.done():  # the first message: `connected`
            self.opened.set_result(message)
        else:
            self.on_message(message, arrived)

    def _fail(self, error: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(error)
        self.transport.close()

    def connection_lost(self, error) -> None:
        if not self.opened.done():
            self.opened.set_exception(error or ConnectionError("closed before `connected`"))

    def close(self) -> None:
        """Close the connection (the server's side ends with it)."""
        if self.transport is not None:
            self.transport.close()


async def open_reader(
    url: str, headers: dict[str, str], compression: bool, on_message
) -> tuple[WebSocketReader, dict]:
    """Connect to `url` (ws://), and return the reader and its first message."""
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    _, reader = await loop.create_connection(
        lambda: WebSocketReader(url, headers, compression, on_message), parts.hostname, parts.port
    )
    return reader, await asyncio.wait_for(reader.opened, 60)
