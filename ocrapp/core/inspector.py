"""Inspector processes: a web process's uploads are parsed in children, never in itself.

Pillow and pdfium read hostile input: a TIFF of thousands of frames, a PNG of millions of
empty chunks, a PDF pdfium chews on. A gevent web process that parsed them would stop
every request and socket it holds while it did. Each web process keeps a small pool of
children (`python -m ocrapp.core.inspector`) instead, each with an address-space cap,
and gives each upload `INSPECT_TIMEOUT` seconds; a child past it is killed and replaced.

A child reads requests on stdin and answers on stdout, each message a 4-byte length and
its bytes. Waiting on it is reading a pipe: under gunicorn's gevent worker, `subprocess`
and `threading` are monkey-patched, so the wait and the timer are greenlets and the event
loop runs on; in a plain process (the CLI, tests, benchmarks) they are threads.
`multiprocessing` is not used: it is not safe under gevent.
"""

import json
import logging
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import defaultdict
from typing import BinaryIO

from ocrapp.core.errors import (
    DomainError,
    EmptyFile,
    EmptyPdf,
    EncryptedPdf,
    InspectionFailed,
    InspectionTimeout,
    InvalidPdf,
    PageTooLarge,
    TooManyPages,
    UnsupportedMediaType,
)
from ocrapp.core.inspection import Inspection, inspect_bytes
from ocrapp.core.memory import limit_memory

log = logging.getLogger(__name__)

LENGTH = struct.Struct(">I")
# The refusals a child answers with, by code.
REFUSALS = {
    error.code: error
    for error in (
        EmptyFile,
        UnsupportedMediaType,
        PageTooLarge,
        TooManyPages,
        InvalidPdf,
        EncryptedPdf,
        EmptyPdf,
    )
}
# A child that outlives its parent's timer (the parent died) ends itself this much later.
ALARM_MARGIN = 2


def write_message(stream: BinaryIO, *parts: bytes) -> None:
    """Send `parts`, each as a message: its 4-byte length, then its bytes."""
    for part in parts:
        stream.write(LENGTH.pack(len(part)))
        stream.write(part)
    stream.flush()


def read_message(stream: BinaryIO) -> bytes | None:
    """Read one message; None if the stream ended before a whole one came."""
    header = stream.read(LENGTH.size)
    if len(header) < LENGTH.size:
        return None
    (length,) = LENGTH.unpack(header)
    body = stream.read(length)
    return body if len(body) == length else None


# The child's side.


def serve(memory_mb: int) -> None:
    """Answer inspection requests from stdin on stdout until stdin ends."""
    import pypdfium2  # noqa: F401  loaded before the cap: the cap is for the files

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the server
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a library's print must not garble
    limit_memory(memory_mb)
    requests = sys.stdin.buffer
    while (limits := read_message(requests)) is not None and (
        data := read_message(requests)
    ) is not None:
        limits = json.loads(limits)
        signal.alarm(int(limits["timeout"]) + ALARM_MARGIN)
        answer = answer_request(data, limits["max_pixels"], limits["max_pages"])
        signal.alarm(0)
        write_message(answers, json.dumps(answer).encode())


def answer_request(data: bytes, max_pixels: int, max_pages: int) -> dict:
    """Inspect `data`; return the inspection, or the refusal, as JSON."""
    try:
        return inspect_bytes(data, max_pixels, max_pages).as_json()
    except DomainError as refusal:
        return {"error": {"code": refusal.code, "message": refusal.message}}


# The web process's side.


class Inspector:
    """One child process, inspecting one upload at a time."""

    def __init__(self, memory_mb: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ocrapp.core.inspector", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.timed_out = False

    def alive(self) -> bool:
        """Whether the child can take another upload."""
        return self.process.poll() is None

    def inspect(self, data: bytes, limits: dict) -> dict:
        """Send `data` and return the child's answer; kill the child past the timeout."""
        timer = threading.Timer(limits["timeout"], self.kill_for_time)
        timer.start()
        try:
            write_message(self.process.stdin, json.dumps(limits).encode(), data)
            answer = read_message(self.process.stdout)
        except OSError:  # killed while we wrote to it
            answer = None
        except BaseException:  # its answer would go to the next upload: end it
            self.stop()
            raise
        finally:
            timer.cancel()
        if answer is not None:
            return json.loads(answer)
        self.stop()
        if self.timed_out:
            raise InspectionTimeout(
                f"Reading the file's header and pages took over {limits['timeout']:g} s, "
                "the limit. Save it again as a plain PDF, PNG or TIFF, or split it into "
                "smaller files, and upload it again."
            )
        raise InspectionFailed(
            f"The file could not be read: the process reading it stopped "
            f"(exit status {self.process.returncode}), out of memory or on a file it "
            "cannot read. Save it again as a plain PDF, PNG or TIFF and upload it again."
        )

    def kill_for_time(self) -> None:
        """Kill the child that is past its time (the timer's callback)."""
        self.timed_out = True
        self.process.kill()

    def stop(self) -> None:
        """Kill the child and collect its exit status."""
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()


class InspectorPool:
    """At most `size` inspector processes, started when first needed, replaced when dead.

    A user's uploads are inspected one at a time, so that one user's slow files can hold
    one child at most while everyone else's go through the others.
    """

    def __init__(self, size: int, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.slots = threading.BoundedSemaphore(size)
        self.idle: list[Inspector] = []
        self.users: dict[int | None, threading.Lock] = defaultdict(threading.Lock)

    def inspect(self, data: bytes, limits: dict, user_id: int | None = None) -> dict:
        """Inspect `data` in a free child (waiting for one, and for the user's last one)."""
        with self.users[user_id], self.slots:
            inspector = self.take()
            try:
                return inspector.inspect(data, limits)
            finally:
                if inspector.alive():
                    self.idle.append(inspector)

    def take(self) -> Inspector:
        """Return an idle live child, or a new one."""
        while self.idle:
            inspector = self.idle.pop()
            if inspector.alive():
                return inspector
            inspector.stop()
        return Inspector(self.memory_mb)


# One pool per process and per child settings (a fork gets its own: pipes are not shared).
pools: dict[tuple[int, int, int], InspectorPool] = {}


def inspect_upload_bytes(data: bytes, config, user_id: int | None = None) -> Inspection:
    """Inspect an upload in an inspector process, within the configured time and memory."""
    key = (os.getpid(), config["INSPECT_PROCESSES"], config["INSPECT_MEMORY_MB"])
    pool = pools.get(key) or pools.setdefault(key, InspectorPool(*key[1:]))
    limits = {
        "max_pixels": config["MAX_PAGE_PIXELS"],
        "max_pages": config["MAX_PAGES"],
        "timeout": config["INSPECT_TIMEOUT"],
    }
    start = time.perf_counter()
    answer = pool.inspect(data, limits, user_id)
    seconds = time.perf_counter() - start
    log.debug("inspected %d bytes in %.1f ms", len(data), seconds * 1000)
    if "error" in answer:
        error = REFUSALS.get(answer["error"]["code"], InspectionFailed)
        raise error(answer["error"]["message"])
    return Inspection.from_json(answer)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
