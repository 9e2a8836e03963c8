"""A prebuilt frame is what simple-websocket would have sent, and a client reads it back."""

import pytest
from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import TextMessage

from ocrapp.realtime.frames import text_frame


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
