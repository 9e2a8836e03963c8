"""A try ends within WEBHOOK_TIMEOUT, however slowly a receiver answers."""

import socket
import threading

from ocrapp.webhooks.transport import post

CONFIG = {
    "WEBHOOK_ALLOW_HTTP": True,
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,
    "WEBHOOK_CONNECT_TIMEOUT": 5,
    "WEBHOOK_TIMEOUT": 1,
}


def drip(listener: socket.socket, stopping: threading.Event) -> None:
    """Take one request, then answer a header byte every 0.1 s until stopped."""
    connection, _ = listener.accept()
    with connection:
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not stopping.wait(0.1):
            try:
                connection.sendall(b"a")
            except OSError:
                return  # the sender gave up and closed


def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_at_the_timeout():
    listener = socket.create_server(("127.0.0.1", 0))
    stopping, outcomes = threading.Event(), []
    threading.Thread(target=drip, args=(listener, stopping), daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
    sender = threading.Thread(target=lambda: outcomes.append(post(url, {}, "{}", CONFIG)))
    sender.start()
    sender.join(30)  # each byte comes within the read timeout: only the deadline ends it
    stopping.set()
    listener.close()
    assert not sender.is_alive(), "the try did not end"
    [outcome] = outcomes
    assert outcome.status_code is None and not outcome.delivered
    assert "timed out" in outcome.error
