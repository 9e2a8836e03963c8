"""gunicorn settings for the web process (read by gunicorn from the working directory)."""

import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
# Each open WebSocket (and each long poll) holds a greenlet under gevent, a few kilobytes,
# but a whole thread under gthread: gevent holds thousands of sockets per process.
worker_class = os.environ.get("WEB_WORKER_CLASS", "gevent")
# gevent: connections (sockets, long polls, requests) per process at most.
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", 10000))
# gthread: threads per process, each holding one connection.
threads = int(os.environ.get("WEB_THREADS", 100))
# On SIGTERM: requests in progress get this long to finish (open WebSockets are closed
# at once, see post_worker_init). A supervisor's stop timeout must be longer: compose's
# stop_grace_period, Kubernetes' terminationGracePeriodSeconds (deploy/kubernetes).
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 30))
# Several gunicorns may share a machine (tests, benchmarks): no shared control socket.
control_socket_disable = True
accesslog = "-"
# The path without its query string: a WebSocket's ?token= must not reach the logs.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
if os.environ.get("LOG_FORMAT", "json") != "text":
    # gunicorn's own lines (starting, a worker killed for its memory) as the app's are: one
    # JSON object a line on stderr (ocrapp.ops.logs, not imported: the master runs no app).
    # The access log stays a plain line on stdout.
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["errors"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
        "handlers": {
            "errors": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stdout",
            },
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
            },
            "line": {"format": "%(message)s"},
        },
    }


# Several web processes: each writes its Prometheus metrics here, and /metrics sums them.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.abspath(
        os.path.join(os.environ.get("OCRAPP_INSTANCE_DIR", "instance"), f"prometheus-{bind}")
    ),
)


def on_starting(server) -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR: an earlier run's counts must not add to this one's.

    Plain file work: the master must not import the app, whose metrics would write here.
    """
    import pathlib

    folder = pathlib.Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:
    """Forget the open sockets of a web process that exited (Prometheus multiprocess mode)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """On SIGTERM, close open WebSockets with "going away" before stopping, not after."""
    import signal

    from ocrapp.realtime.hub import hub

    stop = worker.handle_exit

    def handle_exit(signum, frame) -> None:
        # Only puts a marker in each inbox, without blocking: safe in a signal handler,
        # even when it runs in gevent's event loop.
        hub.close_all()
        stop(signum, frame)

    signal.signal(signal.SIGTERM, handle_exit)
