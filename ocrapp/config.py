"""Configuration, read from the environment in one place."""

import os
from pathlib import Path


def _instance_dir() -> Path:
    """Return the folder that holds the embedded database and storage."""
    return Path(os.environ.get("OCRAPP_INSTANCE_DIR", "instance")).resolve()


def _int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    return int(os.environ.get(name, default))


VISIBILITY_TIMEOUT = 24 * 3600


class Config:
    """Settings for the web process, the worker and the CLI alike."""

    INSTANCE_DIR = _instance_dir()
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'ocrapp.sqlite3'}")
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    BROKER_URL = os.environ.get("BROKER_URL", REDIS_URL)
    STORAGE_URL = os.environ.get("STORAGE_URL", (INSTANCE_DIR / "storage").as_uri())
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    # Pub/sub channels are global to a Redis server (not per database): the
    # namespace keeps two deployments sharing one Redis apart.
    EVENT_NAMESPACE = os.environ.get("EVENT_NAMESPACE", "ocrapp")
    # Updates kept per user (a Redis stream), for clients that reconnect with ?since=.
    UPDATE_HISTORY = _int("UPDATE_HISTORY", 1000)
    # auto: Tesseract, and EasyOCR too for a page it reads poorly or a photo (docs/reading.md
    # says why it is the default).
    OCR_ENGINE = os.environ.get("OCR_ENGINE", "auto")
    # The base name of the queues: <OCR_QUEUE>.small, .large and .priority (ocrapp.core.scheduling).
    OCR_QUEUE = os.environ.get("OCR_QUEUE", "ocr")
    # A file of this many pages or more goes to the large queue.
    LARGE_TASK_PAGES = _int("LARGE_TASK_PAGES", 2)
    # A user's tasks processing at once before other users' queued tasks go first; 0: no cap.
    USER_CONCURRENCY = _int("USER_CONCURRENCY", 2)
    TORCH_THREADS = _int("TORCH_THREADS", 1)
    # Where EasyOCR runs: auto (a CUDA GPU when one is present, else the CPU), cpu, cuda.
    OCR_DEVICE = os.environ.get("OCR_DEVICE", "auto")
    # Send EasyOCR tasks to <OCR_QUEUE>.gpu, for a pool on a machine with a GPU (Procfile
    # worker_gpu); off, they go to .small and .large like the others.
    GPU_QUEUE = os.environ.get("GPU_QUEUE", "").lower() in ("1", "true", "yes", "on")
    PDF_DPI = _int("PDF_DPI", 300)
    # A page rendered larger than this is rendered at a lower resolution (down to 50 dpi).
    MAX_PAGE_PIXELS = _int("MAX_PAGE_PIXELS", 40_000_000)
    # Progress updates of one task are at least this far apart (page changes excepted).
    PROGRESS_INTERVAL = float(os.environ.get("PROGRESS_INTERVAL", 0.5))
    # A worker process that dies (killed, out of memory) is replaced and the task is run
    # again, up to this many runs in all; then the task fails with `worker_lost`.
    MAX_ATTEMPTS = _int("MAX_ATTEMPTS", 3)
    # A task is stopped (the worker process killed) after BASE + PER_PAGE x pages seconds.
    TASK_TIME_LIMIT_BASE = _int("TASK_TIME_LIMIT_BASE", 300)
    TASK_TIME_LIMIT_PER_PAGE = _int("TASK_TIME_LIMIT_PER_PAGE", 300)
    # Every REAPER_INTERVAL seconds (Celery beat) the reaper sends tasks the broker did not
    # take at submission (older than OUTBOX_DELAY s), and fails tasks no worker will finish.
    REAPER_INTERVAL = float(os.environ.get("REAPER_INTERVAL", 30))
    OUTBOX_DELAY = float(os.environ.get("OUTBOX_DELAY", 5))
    # A task queued this long that the broker does not hold (Redis restarted empty) is
    # sent again.
    LOST_AFTER = float(os.environ.get("LOST_AFTER", 300))
    # Browser origins allowed to call the API (comma-separated); none by default.
    CORS_ORIGINS = [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()]
    MAX_PAGES = _int("MAX_PAGES", 500)
    # ?redirect=1 on a result gives a pre-signed S3 URL that works this many seconds.
    SIGNED_URL_SECONDS = _int("SIGNED_URL_SECONDS", 60)
    # Requests per user (per address without a live token) on /api, counted in Redis;
    # "" turns it off.
    RATE_LIMIT = os.environ.get("RATE_LIMIT", "300 per minute")
    # A user's queued and processing tasks at most; a new upload over it is a 429.
    MAX_TASKS_IN_FLIGHT = _int("MAX_TASKS_IN_FLIGHT", 50)
    # The uploads one user may keep, in MB; a new upload beyond it is a 429.
    MAX_STORED_MB = _int("MAX_STORED_MB", 1024)
    MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 25)
    MAX_CONTENT_LENGTH = MAX_UPLOAD_MB * 1024 * 1024
    WS_AUTH_TIMEOUT = _int("WS_AUTH_TIMEOUT", 10)  # seconds to send the token as a message
    WS_TOKEN_RECHECK = _int("WS_TOKEN_RECHECK", 60)  # seconds between checks on open sockets
    # A socket with nothing to send wakes this often to notice a client that went away
    # (5,000 idle sockets waking every 5 s took 8 % of a core).
    WS_IDLE_WAKE = float(os.environ.get("WS_IDLE_WAKE", 15))
    # The server pings each socket this often and closes one that did not answer the last.
    # Clients only listen: a frame from one over 4 KiB closes its socket.
    SOCK_SERVER_OPTIONS = {
        "ping_interval": _int("WS_PING_INTERVAL", 25),
        "max_message_size": 4096,
    }
    # If set, GET /metrics asks for `Authorization: Bearer <METRICS_TOKEN>` (not an API token).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # A pool process may take this much more address space than it holds once its engine
    # is loaded (a full page with EasyOCR peaks about 4 GB above); past it, the task fails
    # with `out_of_memory` and the process lives on. 0: no limit.
    WORKER_MEMORY_MB = _int("WORKER_MEMORY_MB", 6144)
    # A pool process resident over this after a task is replaced by a fresh one.
    WORKER_MAX_RSS_MB = _int("WORKER_MAX_RSS_MB", 3072)
    # Celery's settings, completed from the values above by `jobs.celery_settings`.
    CELERY = {
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A lost worker's task is sent again with its retry count, so the count is bounded.
        "task_retry_on_worker_lost": True,
        # Redis hands an unacknowledged task to another worker after this long: longer than
        # any task may run (see jobs.time_limit), or a slow task would run twice.
        # A worker takes from the first of its queues (-Q) that has work: priority first.
        "broker_transport_options": {
            "visibility_timeout": VISIBILITY_TIMEOUT,
            "queue_order_strategy": "priority",
        },
        "worker_prefetch_multiplier": 1,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "broker_connection_retry_on_startup": True,
        # An upload waits a second or two for a broker that is down, then goes to the outbox.
        "broker_connection_timeout": 2,
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        # Building the OCR model in each child takes a few seconds.
        "worker_proc_alive_timeout": 60,
        "include": ["tasks.ocr", "tasks.reaper", "tasks.signals"],
    }
