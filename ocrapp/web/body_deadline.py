"""A request's body must arrive in time: a client that sends it too slowly, or stops half
way, is answered 408 rather than holding its greenlet (or gthread's thread) for as long
as it likes. gunicorn bounds the wait for a request's headers (its keep-alive), not for
its body; a proxy in front that buffers bodies (nginx does) makes this a second guard.
"""

import socket
import time

from werkzeug.exceptions import RequestTimeout

LATE = "The request's body did not arrive in time."


class BodyDeadline:
    """WSGI middleware: the body of a request may take `seconds` from its start to arrive."""

    def __init__(self, app, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    def __call__(self, environ, start_response):
        connection = environ.get("gunicorn.socket")
        if connection is not None:  # elsewhere (tests, a dev server) the body is read as is
            deadline = time.monotonic() + self.seconds
            environ["wsgi.input"] = TimedBody(environ["wsgi.input"], connection, deadline)
        return self.app(environ, start_response)


class TimedBody:
    """A request body whose every read gives up at `deadline` (RequestTimeout, 408).

    The socket's timeout is set for the read alone: gevent's sockets and blocking ones
    (gthread) both honour it, and nothing else reads the socket meanwhile.
    """

    def __init__(self, body, connection: socket.socket, deadline: float) -> None:
        self.body, self.connection, self.deadline = body, connection, deadline

    def _timed(self, read, *args):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout(LATE)
        before = self.connection.gettimeout()
        self.connection.settimeout(left)
        try:
            return read(*args)
        except TimeoutError:  # socket.timeout
            raise RequestTimeout(LATE) from None
        finally:
            self.connection.settimeout(before)

    def read(self, size=None):
        return self._timed(self.body.read, size)

    def readline(self, size=None):
        return self._timed(self.body.readline, size)

    def readlines(self, hint=None):
        return self._timed(self.body.readlines, hint)

    def __iter__(self):
        while line := self.readline():
            yield line
