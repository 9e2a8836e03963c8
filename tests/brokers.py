"""The broker as workers leave it: a message taken by a worker that then died."""

import subprocess
import sys

# A worker's main process, in short: take one message, unacknowledged, and be killed.
TAKE_AND_DIE = """
import os, signal, sys
from kombu import Connection
message = Connection(sys.argv[1]).default_channel.basic_get(sys.argv[2], no_ack=False)
print(message.headers["id"] if message else "", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def taken_by_a_worker_that_dies(broker_url: str, queue: str) -> str:
    """Let a process take the next message of `queue` and die holding it; its task id."""
    taker = subprocess.run(
        [sys.executable, "-c", TAKE_AND_DIE, broker_url, queue], capture_output=True, text=True
    )
    assert taker.returncode == -9, taker.stderr
    assert taker.stdout.strip(), f"no message waiting in {queue}"
    return taker.stdout.strip()
