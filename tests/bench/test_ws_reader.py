"""The socket benchmark's client counts whole messages in bytes it has not parsed yet, and
answers pings meanwhile."""

import asyncio

from wsproto.connection import Connection, ConnectionType
from wsproto.events import Message, Ping, Pong, TextMessage

from bench.ws_reader import WebSocketReader


def server_bytes() -> bytes:
    """Three messages as a server sends them (one in two frames), with a ping among them."""
    server = Connection(ConnectionType.SERVER)
    return b"".join(
        [
            server.send(TextMessage(data="short")),
            server.send(Ping(payload=b"are you there")),
            server.send(TextMessage(data="x" * 300)),  # a 16-bit length
            server.send(TextMessage(data="first half, ", message_finished=False)),
            server.send(TextMessage(data="second half")),
            server.send(TextMessage(data="y" * 70_000)),  # a 64-bit length
        ]
    )


class Written(list):
    """A transport that keeps what the reader writes."""

    def write(self, data: bytes) -> None:
        self.append(data)


async def new_reader() -> WebSocketReader:
    """A reader past its handshake, writing to a `Written`."""
    reader = WebSocketReader("ws://127.0.0.1:1/ws", {}, False, lambda message, arrived: None)
    reader.ws, reader.transport = Connection(ConnectionType.CLIENT), Written()
    return reader


def test_whole_messages_are_counted_however_the_bytes_are_cut():
    data = server_bytes()
    for size in (1, 2, 3, 7, 125, 4096, len(data)):
        reader = asyncio.run(new_reader())
        chunks = [data[at : at + size] for at in range(0, len(data), size)]

        counts = [reader._count_messages(chunk) for chunk in chunks]

        assert sum(counts) == 4, size
        assert reader.cut == b""
        server = Connection(ConnectionType.SERVER)
        server.receive_data(b"".join(reader.transport))  # the ping answered while held
        assert [type(event) for event in server.events()] == [Pong]


def test_a_message_is_counted_when_its_last_byte_arrives():
    data = Connection(ConnectionType.SERVER).send(Message(data="one update"))
    reader = asyncio.run(new_reader())

    assert reader._count_messages(data[:-1]) == 0
    assert reader._count_messages(data[-1:]) == 1
