"""The socket benchmark's client counts whole messages in bytes it has not parsed yet."""

import asyncio

from wsproto.connection import Connection, ConnectionType
from wsproto.events import Message, Ping, TextMessage

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


async def new_reader() -> WebSocketReader:
    return WebSocketReader("ws://127.0.0.1:1/ws", {}, False, lambda message, arrived: None)


def test_whole_messages_are_counted_however_the_bytes_are_cut():
    data = server_bytes()
    for size in (1, 2, 3, 7, 125, 4096, len(data)):
        reader = asyncio.run(new_reader())
        chunks = [data[at : at + size] for at in range(0, len(data), size)]

        counts = [reader._count_messages(chunk) for chunk in chunks]

        assert sum(counts) == 4, size
        assert reader.cut == b""


def test_a_message_is_counted_when_its_last_byte_arrives():
    data = Connection(ConnectionType.SERVER).send(Message(data="one update"))
    reader = asyncio.run(new_reader())

    assert reader._count_messages(data[:-1]) == 0
    assert reader._count_messages(data[-1:]) == 1
