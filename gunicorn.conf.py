"""gunicorn settings for the web process (read by gunicorn from the working directory)."""

import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
# Each open WebSocket holds a thread for as long as it is open.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 100))
# Several gunicorns may share a machine (tests, benchmarks): no shared control socket.
control_socket_disable = True
accesslog = "-"
# The path without its query string: a WebSocket's ?token= must not reach the logs.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker) -> None:
    """On SIGTERM, close open WebSockets with "going away" before stopping, not after."""
    import signal

    from ocrapp.hub import hub

    stop = worker.handle_exit

    def handle_exit(signum, frame) -> None:
        hub.close_all()
        stop(signum, frame)

    signal.signal(signal.SIGTERM, handle_exit)
