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


def test_a_prebuilt_frame_is_the_bytes_a_server_connection_sends():
    server = Connection(ConnectionType.SERVER)

    assert text_frame('{"type": "task.update"}') == server.send(
        TextMessage(data='{"type": "task.update"}')
    )
