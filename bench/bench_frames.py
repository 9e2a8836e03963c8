"""Benchmark: the CPU of sending one live update to a socket, framed per socket or once."""

import json
import socket
import threading
import time

from wsproto import ConnectionType
from wsproto.connection import Connection
from wsproto.events import TextMessage

from ocrapp.ops.metrics import TASK_UPDATES_SENT
from ocrapp.realtime.frames import text_frame

UPDATES, SOCKETS_PER_UPDATE, ROUNDS = 1000, 5, 3
DATA = {"taskId": "t" * 22, "status": "processing", "progress": 40, "page": 2, "pageCount": 5}
TEXT = json.dumps({"type": "task.update", "seq": "1733480000000-0", "data": DATA})


def framed_per_socket(sender: socket.socket, connections: list[Connection]) -> None:
    """Before: wsproto frames the message for each socket, and each send is counted."""
    for connection in connections:
        sender.send(connection.send(TextMessage(data=TEXT)))
        TASK_UPDATES_SENT.inc()


def framed_once(sender: socket.socket, _connections) -> None:
    """After: one frame per update written to each socket, counted once per update."""
    for _ in range(UPDATES):
        frame = text_frame(TEXT)
        for _ in range(SOCKETS_PER_UPDATE):
            sender.sendall(frame)
        TASK_UPDATES_SENT.inc(SOCKETS_PER_UPDATE)


def drain(receiver: socket.socket) -> None:
    """Read and drop what the sockets are sent, as a client would read it."""
    while receiver.recv(1 << 20):
        pass


def main() -> None:
    """Time both ways alternately (the CPU of both ends of a socket pair) and print them."""
    sender, receiver = socket.socketpair()
    threading.Thread(target=drain, args=(receiver,), daemon=True).start()
    connections = [Connection(ConnectionType.SERVER) for _ in range(UPDATES * SOCKETS_PER_UPDATE)]
    for _ in range(ROUNDS):
        for name, send in (("per socket", framed_per_socket), ("once", framed_once)):
            start = time.process_time()
            send(sender, connections)
            spent = time.process_time() - start
            print(f"framed {name}: {spent * 1e6 / len(connections):.2f} µs of CPU per socket send")


if __name__ == "__main__":
    main()
