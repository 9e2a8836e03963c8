"""A prebuilt frame is what simple-websocket would have sent, and a client reads it back;
a message is written whole, however small the socket's buffer."""

import fcntl
import socket
import struct
import termios
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import gevent
import gevent.socket
import pytest
from simple_websocket import ConnectionClosed
from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import Ping, TextMessage

from ocrapp.realtime.frames import (
    finish_frame,
    send_frame_now,
    send_text,
    serialize_writes,
    text_frame,
)


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536])
def test_a_prebuilt_frame_reads_back_as_the_same_text_message(length):
    text = ("é" * length)[:length]
    client = Connection(ConnectionType.CLIENT)

    client.receive_data(text_frame(text))

    (event,) = client.events()
    assert isinstance(event, TextMessage)
    assert event.data == text and event.message_finished


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_prebuilt_frame_is_the_bytes_a_server_connection_sends(length):
    server = Connection(ConnectionType.SERVER)
    text = ('{"type": "task.update", "é": "' + "x" * length)[:length]

    assert text_frame(text) == server.send(TextMessage(data=text))


def test_frames_built_one_after_another_are_each_a_whole_message():
    client = Connection(ConnectionType.CLIENT)

    client.receive_data(text_frame("first") + text_frame("second"))

    events = list(client.events())
    assert [event.data for event in events] == ["first", "second"]
    assert all(event.message_finished for event in events)


LONG_TEXT = "a task update " * 150_000  # 2.1 MB, far over both sockets' buffers


@pytest.fixture
def connection():
    """A WebSocket stand-in on a server socket, and its client's socket, over loopback.

    The server's socket has a timeout, so it is non-blocking underneath as gevent's are (a
    write may wait between its parts, or be taken in part), and a 16 KiB send buffer.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    server.settimeout(30)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
    yield SimpleNamespace(connected=True, ws=Connection(ConnectionType.SERVER), sock=server), client
    for end in (client, server, listener):
        end.close()


def test_a_message_larger_than_the_send_buffer_arrives_whole(connection):
    ws, client = connection

    with ThreadPoolExecutor(1) as pool:
        sending = pool.submit(send_text, ws, LONG_TEXT)
        received = read_message(client)
        sending.result()

    assert received == LONG_TEXT


def test_a_ping_written_during_a_long_message_goes_out_after_it(connection):
    ws, client = connection
    serialize_writes(ws, send_timeout=30)
    ping = Connection(ConnectionType.SERVER).send(Ping(payload=b"still there?"))

    with ThreadPoolExecutor(2) as pool:
        sending = pool.submit(send_text, ws, LONG_TEXT)
        while not unsent_bytes(ws.sock.fileno()):  # the message is under way
            pass
        # As simple-websocket's thread writes its pings.
        pinging = pool.submit(ws.sock.send, ping)
        events = read_events(client, until=lambda events: len(events) == 2)
        sending.result(), pinging.result()

    assert isinstance(events[0], TextMessage) and events[0].data == LONG_TEXT
    assert isinstance(events[1], Ping) and events[1].payload == b"still there?"


def test_the_rest_of_a_frame_taken_in_part_goes_out_before_any_other_write():
    # As on a gevent web process: the hub writes frames at once; the kernel takes the last
    # one in part; simple-websocket's thread then pings, and the socket's greenlet finishes.
    listener = gevent.socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = gevent.socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    ws = SimpleNamespace(connected=True, ws=Connection(ConnectionType.SERVER), sock=server)
    serialize_writes(ws, send_timeout=30)
    frame, sent = text_frame("u" * 3000), 0
    while (written := send_frame_now(ws, frame)) == len(frame):  # the client reads nothing
        sent += 1
    assert 0 < written < len(frame), "the kernel took none of the last frame: try again"
    assert send_frame_now(ws, frame) == 0  # nothing more at once while a rest waits

    ping = Connection(ConnectionType.SERVER).send(Ping(payload=b"still there?"))
    writes = [gevent.spawn(ws.sock.send, ping), gevent.spawn(finish_frame, ws)]
    events = read_events(client, until=lambda events: len(events) == sent + 2)
    gevent.joinall(writes, raise_error=True)

    assert [event.data for event in events[:-1]] == ["u" * 3000] * (sent + 1)
    assert isinstance(events[-1], Ping) and events[-1].payload == b"still there?"
    for end in (client, server, listener):
        end.close()


def test_a_write_the_client_takes_none_of_ends_the_connection_in_time(connection):
    ws, _ = connection
    ws.sock.settimeout(None)  # blocking, as gthread's sockets are: the kernel keeps the time
    serialize_writes(ws, send_timeout=0.2)

    with pytest.raises(ConnectionClosed) as closed:
        send_text(ws, LONG_TEXT)  # the client reads none of it

    assert closed.value.reason == 1006


def test_a_client_gone_mid_message_is_a_closed_connection_not_an_error(connection):
    ws, client = connection
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()  # a reset: the server's next writes fail

    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(100):  # the first write may still be taken before the reset is seen
            send_text(ws, "an update")

    assert closed.value.reason == 1006


def test_nothing_is_sent_on_a_closed_socket():
    ws = SimpleNamespace(connected=False, close_reason=1000, close_message="bye")

    with pytest.raises(ConnectionClosed):
        send_text(ws, "late")


def read_message(sock) -> str:
    """Read from `sock` until one whole text message has arrived; return it."""
    (message,) = read_events(sock, until=lambda events: len(events) == 1)
    return message.data


def unsent_bytes(fd: int) -> int:
    """The bytes written to socket `fd` and not yet sent (Linux's SIOCOUTQ)."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.TIOCOUTQ, b"\0\0\0\0"))[0]


def read_events(sock, until) -> list:
    """Read from `sock` until `until(events)`: whole messages (parts joined) and pings."""
    client, events, parts = Connection(ConnectionType.CLIENT), [], []
    sock.settimeout(10)
    while not until(events):
        client.receive_data(sock.recv(65536))
        for event in client.events():
            if isinstance(event, TextMessage):
                parts.append(event.data)
                if event.message_finished:
                    events.append(TextMessage(data="".join(parts)))
                    parts = []
            else:
                events.append(event)
    return events
