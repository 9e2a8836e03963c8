"""Configuration: one typed settings object, read from the environment when the app is built.

docs/configuration.md's table of settings is generated from it (`ocrapp settings docs`).
"""

import copy
import os
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

VISIBILITY_TIMEOUT = 24 * 3600

# Celery's settings, completed from the settings by `jobs.celery_settings`.
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
    # No `task-sent` event per upload: it cost a second broker publish (1 ms of CPU, a
    # tenth of an upload's). Flower shows a task once a worker receives it; the queues'
    # depth is in /metrics.
    "task_send_sent_event": False,
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
    "include": ["tasks.ocr", "tasks.reaper", "tasks.signals", "tasks.webhooks"],
}


def _none_if_empty(value: Any) -> Any:
    """Read an empty variable as unset."""
    return value or None


def _switch(value: Any) -> Any:
    """Read 1, true, yes or on (any case) as on, and any other text as off."""
    return value.lower() in ("1", "true", "yes", "on") if isinstance(value, str) else value


def _comma_separated(value: Any) -> Any:
    """Split `a, b` into its non-empty items."""
    if not isinstance(value, str):
        return value
    return [item.strip() for item in value.split(",") if item.strip()]


OptionalText = Annotated[str | None, BeforeValidator(_none_if_empty)]
Switch = Annotated[bool, BeforeValidator(_switch)]
CommaSeparated = Annotated[list[str], NoDecode, BeforeValidator(_comma_separated)]


def setting(default: Any, group: str, description: str, shown: str = "", **options: Any) -> Any:
    """Declare a setting: its default, its section and its line in docs/configuration.md."""
    extra = {"group": group, "shown_default": shown}
    return Field(default, description=description, json_schema_extra=extra, **options)


SERVICES, UPDATES, READING, QUEUES = "Services", "Task updates", "Reading", "Queues"
FAILURES, API, SOCKETS = "Failures and time limits", "API", "WebSockets"
WORKERS, LOGS, WEB_APP = "Worker processes", "Logs", "Web app"
WEBHOOKS = "Webhooks"


class Settings(BaseSettings):
    """Settings for the web process, the worker and the CLI alike, from the environment."""

    model_config = SettingsConfigDict(case_sensitive=True)

    INSTANCE_DIR: Path = setting(
        Path("instance"),
        SERVICES,
        "folder of the default database and storage (`<instance>` below)",
        "`instance` (relative to the working directory)",
        validation_alias="OCRAPP_INSTANCE_DIR",
    )
    DATABASE_URL: str | None = setting(
        None,
        SERVICES,
        "SQLAlchemy URL; for PostgreSQL `postgresql+psycopg://user:password@host:5432/name`",
        "`sqlite:///<instance>/ocrapp.sqlite3`",
    )
    DATABASE_POOL_SIZE: int = setting(
        20,
        SERVICES,
        "connections each web process keeps to a server database, and the most it opens: "
        "a request beyond them waits for one (this times the web processes, plus each worker "
        "process's own, up to `WEBHOOK_CONCURRENCY` for the webhooks worker, must stay under "
        "PostgreSQL's `max_connections`)",
        gt=0,
    )
    DATABASE_POOL_TIMEOUT: float = setting(
        10.0,
        SERVICES,
        "seconds a request waits for a free database connection before it is answered "
        "`503 service_unavailable`",
        gt=0,
    )
    REDIS_URL: str = setting(
        "redis://127.0.0.1:6379/0",
        SERVICES,
        "Redis for task updates (pub/sub and the update history), the workers' engines and "
        "readiness; also the broker unless `BROKER_URL` is set",
    )
    BROKER_URL: str | None = setting(None, SERVICES, "Celery broker", "`REDIS_URL`")
    STORAGE_URL: str | None = setting(
        None,
        SERVICES,
        "`file:///path` for a folder, `s3://bucket/prefix` for S3",
        "`file://<instance>/storage`",
    )
    S3_ENDPOINT_URL: OptionalText = setting(
        None, SERVICES, "endpoint of an S3-compatible store such as MinIO", "unset (AWS)"
    )
    S3_PUBLIC_ENDPOINT_URL: OptionalText = setting(
        None,
        SERVICES,
        "endpoint that pre-signed URLs (`?redirect=1`) are signed for, as clients reach the "
        "store (a proxy's public address, such as `https://files.example.com`) when the "
        "service reaches it at `S3_ENDPOINT_URL` on a private network",
        "`S3_ENDPOINT_URL`",
    )
    # Pub/sub channels are global to a Redis server (not per database): the namespace keeps
    # two deployments sharing one Redis apart.
    EVENT_NAMESPACE: str = setting(
        "ocrapp",
        UPDATES,
        "prefix of the pub/sub channel `<namespace>:task-updates`, of the update history "
        "streams `<namespace>:updates:<user_id>`, of the key `<namespace>:engines` where "
        "workers report their engines, of WebSocket tickets `<namespace>:ws-tickets:*` and "
        "of running tasks' heartbeats `<namespace>:alive:*`; "
        "channels are shared by every database on a Redis server, so give each deployment "
        "that shares one its own",
    )
    UPDATE_HISTORY: int = setting(
        1000,
        UPDATES,
        "updates kept per user in the history stream, for `/ws?since=`, catching up and "
        "`GET /api/tasks/<id>/events`; older ones are trimmed (approximately: Redis may keep "
        "a few more)",
    )
    PROGRESS_INTERVAL: float = setting(
        0.5,
        UPDATES,
        "seconds: a task sends at most one progress update per interval, except that the "
        "start of each page to be recognised is always sent",
    )
    # auto is the default: docs/reading.md says why.
    OCR_ENGINE: str = setting(
        "auto",
        READING,
        "engine of a request that names none (`auto`, `tesseract` or `easyocr`); each "
        "worker process loads it when it starts (`auto`: both)",
    )
    OCR_DEVICE: str = setting(
        "auto",
        READING,
        "where EasyOCR runs: `auto` (a CUDA GPU when the worker has one, else the CPU), "
        "`cpu` or `cuda`; workers report it in `GET /api/engines`",
    )
    TORCH_THREADS: int = setting(1, READING, "torch threads per worker process (EasyOCR)")
    PDF_DPI: int = setting(
        300,
        READING,
        "resolution PDF pages are rendered at, for OCR and for the searchable PDF",
    )
    MAX_PAGE_PIXELS: int = setting(
        40_000_000,
        READING,
        "an image whose header declares more pixels is refused at upload "
        "(`422 page_too_large`); a later TIFF frame over it fails the task with "
        "`page_too_large`; a PDF page that would render larger is rendered at the resolution "
        "that fits, and if that is under 50 dpi, the task fails with `page_too_large`",
    )
    MAX_PAGES: int = setting(
        500,
        READING,
        "a PDF with more pages, or a TIFF with more frames, is refused at upload "
        "(`422 too_many_pages`); a file whose pages cannot be counted there counts as 1",
    )
    OCR_QUEUE: str = setting(
        "ocr",
        QUEUES,
        "base name of the Celery queues: the API sends to `<OCR_QUEUE>.small`, `.large` and "
        "`.priority`, and the Procfile's pools consume them (`-Q`); the reaper's task goes "
        "to `.priority`",
    )
    LARGE_TASK_PAGES: int = setting(
        2, QUEUES, "a file with this many pages or more goes to the large queue"
    )
    USER_CONCURRENCY: int = setting(
        2,
        QUEUES,
        "a user's tasks processing at once before other users' queued tasks go first: a "
        "worker that takes a task of a user at this count, while another user's task waits "
        "in the same queue, puts it back at the end of the queue; `0` turns this off",
    )
    SPLIT_PAGES: int = setting(
        8,
        QUEUES,
        "a file with this many pages or more is read in page ranges by several worker "
        "processes at once, and its result assembled when the last range is done; `0` turns "
        "this off",
        ge=0,
    )
    RANGE_PAGES: int = setting(4, QUEUES, "pages in each range of a split file", ge=1)
    SPLIT_WIDTH: int = setting(
        2,
        QUEUES,
        "ranges of one split file queued or running at once: each finished range sends the "
        "next to the back of its queue, so other users' tasks waiting there go first",
        ge=1,
    )
    GPU_QUEUE: Switch = setting(
        False,
        QUEUES,
        "`true` (or `1`, `yes`, `on`): EasyOCR tasks go to `<OCR_QUEUE>.gpu`, served by the "
        "`worker_gpu` pool on machines with a GPU (set it for the web processes too: they "
        "route)",
    )
    MAX_ATTEMPTS: int = setting(
        3,
        FAILURES,
        "runs of a task in all, counting those after a lost worker process (an outage of a "
        "service is waited out apart: `SERVICE_OUTAGE_SECONDS`); then it fails with "
        "`worker_lost`",
    )
    SERVICE_OUTAGE_SECONDS: float = setting(
        600,
        FAILURES,
        "seconds a task waits out an outage of PostgreSQL, Redis or the storage (tried again "
        "after 1, 2, 4 ... up to 30 seconds, counted from its first failure) without using "
        "up its `MAX_ATTEMPTS`; then it fails with `service_unavailable`",
        ge=0,
    )
    TASK_TIME_LIMIT_BASE: int = setting(
        300,
        FAILURES,
        "seconds a task may run, plus the next times its pages; then it fails with "
        "`timeout`. The sum is capped at 23 hours, an hour under the broker's visibility "
        "timeout",
    )
    TASK_TIME_LIMIT_PER_PAGE: int = setting(
        300, FAILURES, "seconds per page (counted at upload) added to the time limit"
    )
    REAPER_INTERVAL: float = setting(
        30, FAILURES, "seconds between two reaper runs (the `beat` process's schedule)"
    )
    OUTBOX_DELAY: float = setting(
        5,
        FAILURES,
        "seconds a task the broker did not take at submission waits before the reaper sends it",
    )
    LOST_AFTER: float = setting(
        300,
        FAILURES,
        "seconds after a queued task was sent before the reaper checks that the broker "
        "still holds it (Redis may have restarted empty), and sends it again if not, or if "
        "a worker took it this long ago and no live worker holds it (the worker died "
        "holding it); Redis broker only",
    )
    MAX_UPLOAD_MB: int = setting(25, API, "larger uploads are answered with 413")
    REQUEST_BODY_TIMEOUT: float = setting(
        300,
        API,
        "seconds a request's body (an upload) may take to arrive, from the request's start; "
        "a client that sends it more slowly, or stops, is answered `408 request_timeout` "
        "and its connection closed",
        gt=0,
    )
    INSPECT_TIMEOUT: float = setting(
        5,
        API,
        "seconds an inspector process may take to read an upload's header and count its "
        "pages; past it the process is killed and replaced, and the upload answered "
        "`422 inspection_timeout`",
    )
    INSPECT_PROCESSES: int = setting(
        2,
        API,
        "inspector processes per web process: uploads are read in them, never in the web "
        "process itself; an upload waits for a free one",
    )
    INSPECT_MEMORY_MB: int = setting(
        512,
        API,
        "address space an inspector process may take beyond what it holds when it starts; "
        "an upload that needs more is answered `422 inspection_failed`, and the process "
        "replaced",
    )
    MAX_STORED_MB: int = setting(
        1024,
        API,
        "megabytes one user may keep: uploads, and what their tasks produce (results in "
        "every format, the searchable PDF, pages); an upload beyond it is answered "
        "`429 quota_exceeded`",
    )
    RESULT_RETENTION_DAYS: int = setting(
        0,
        API,
        "days a task is kept once finished (`completed`, `failed` or `cancelled`): the reaper "
        "then deletes it with its upload, results, pages and updates; `0` keeps tasks until "
        "their users delete them",
        ge=0,
    )
    MAX_TASKS_IN_FLIGHT: int = setting(
        50,
        API,
        "a user's `queued` and `processing` tasks at most; a new upload beyond it is "
        "answered `429 too_many_tasks` with a `Retry-After` (30 s, or the rate window's "
        "reset if later)",
    )
    RATE_LIMIT: str = setting(
        "300 per minute",
        API,
        "requests allowed on `/api` and WebSocket handshakes on `/ws` per user, all their "
        "tokens together (without a live token, per client address), in flask-limiter's "
        "notation, counted in Redis (`REDIS_URL`); more are answered `429 rate_limited` with "
        "`Retry-After`. Empty turns it off; with Redis unreachable, requests are let through",
    )
    # Under LAST_USED_PRECISION (a minute), so that a token's `lastUsedAt` stays true.
    VERIFIED_TOKEN_SECONDS: float = setting(
        5,
        API,
        "seconds a web process trusts an API token it verified without asking the database "
        "again: the most a token revoked by another process (another web process, `ocrapp "
        "tokens revoke`) still passes there. `0`: every request asks the database",
        ge=0,
        lt=60,
    )
    TRUSTED_PROXIES: int = setting(
        0,
        API,
        "how many proxies in front of the service append to `X-Forwarded-For`: the client "
        "address (for the rate limit without a live token, and the loopback check of "
        "`/metrics`) is taken that many entries from the header's end (werkzeug's "
        "`ProxyFix`). `0` ignores the header; more than are really there lets clients "
        "choose their address",
        ge=0,
    )
    MAX_TOKENS_PER_USER: int = setting(
        50,
        API,
        "live API tokens one user may have for `POST /api/tokens` to make another; beyond "
        "it, it answers `409 too_many_tokens` (`ocrapp tokens create`, the operator's, is "
        "not limited)",
        ge=1,
    )
    CORS_ORIGINS: CommaSeparated = setting(
        [],
        API,
        "browser origins allowed to call the API, separated by commas (flask-cors); with "
        "none, no CORS headers are sent",
    )
    SIGNED_URL_SECONDS: int = setting(
        60,
        API,
        "how long a pre-signed S3 URL from `GET /api/tasks/<id>/result?redirect=1` works",
    )
    METRICS_TOKEN: OptionalText = setting(
        None,
        API,
        "if set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>` (not an API "
        "token); without it `/metrics` answers only on loopback (127.0.0.1, ::1)",
    )
    METRICS_CACHE_SECONDS: float = setting(
        5,
        API,
        "a scrape of `/metrics` reuses the figures read from the database and Redis this many "
        "seconds (per web process), so scrapes cannot load them; 0 reads them every time",
        ge=0,
    )
    WS_PING_INTERVAL: int = setting(
        25,
        SOCKETS,
        "seconds between the server's pings on each WebSocket; a peer that has not answered "
        "one by the next is closed",
    )
    WS_AUTH_TIMEOUT: float = setting(
        3,
        SOCKETS,
        "seconds a WebSocket opened without a token or ticket has to send its token as its "
        "first message; then it is closed (1008)",
    )
    WS_ANONYMOUS_RATE_LIMIT: str = setting(
        "30 per minute",
        SOCKETS,
        "WebSocket handshakes without a token or ticket (those that send their token as the "
        "first message) allowed per client address, in flask-limiter's notation, besides "
        "`RATE_LIMIT`, which counts `/ws` too; more are answered `429 rate_limited`. Empty "
        "turns it off",
    )
    WS_MAX_PER_USER: int = setting(
        20,
        SOCKETS,
        "WebSockets one user may have open on one web process (each process counts its "
        "own); one more is closed right after its handshake (1008) and the others stay open",
        ge=1,
    )
    WS_COMPRESSION: Switch = setting(
        False,
        SOCKETS,
        "`true`: offer permessage-deflate to WebSocket clients that ask for it. Off, a "
        "client's message cannot inflate in the server's memory, and the server spends no "
        "CPU compressing",
    )
    WS_SEND_TIMEOUT: float = setting(
        30,
        SOCKETS,
        "seconds one write to a WebSocket may wait for the client to take it; a client "
        "that stops reading is then disconnected (1006) and may reconnect with `since=`",
        gt=0,
    )
    WS_TOKEN_RECHECK: int = setting(
        60,
        SOCKETS,
        "seconds between two checks that an open WebSocket's token is still live; a revoked "
        "or expired one closes the socket (1008)",
    )
    # Past the cap the process lives on: the task fails, the engine loaded stays.
    WORKER_MEMORY_MB: int = setting(
        6144,
        WORKERS,
        "address space a worker process may take beyond what it holds once its engine is "
        "loaded (about 4.2 GB with EasyOCR, whose full page peaks about 4 GB above that); "
        "past it the task fails with `out_of_memory` and the process lives on. `0`: no cap",
    )
    WORKER_MAX_RSS_MB: int = setting(
        3072,
        WORKERS,
        "a worker process whose resident memory is over this after a task is replaced by a "
        "fresh one (Celery's `worker_max_memory_per_child`)",
    )
    SECRET_KEY: OptionalText = setting(
        None,
        WEB_APP,
        "the key that signs the web app's session cookies; the same in every web process",
        "made once, kept in `<instance>/secret_key`",
    )
    SESSION_COOKIE_SECURE: Switch = setting(
        False,
        WEB_APP,
        "send the session cookie over HTTPS only: turn on when the service is reached over "
        "HTTPS (behind a proxy that ends TLS)",
    )
    SESSION_DAYS: int = setting(
        14, WEB_APP, "days a browser stays signed in; signing out ends its session at once", ge=1
    )
    FLOWER_URL: OptionalText = setting(
        None, WEB_APP, "Flower's address, linked from the web app's service page for admins"
    )
    SIGNIN_ATTEMPTS: int = setting(
        10,
        WEB_APP,
        "failed sign-ins allowed per email and per client address in 15 minutes; more are "
        "refused until the window ends (counted in Redis; with Redis away, not counted)",
        ge=1,
    )
    LOG_FORMAT: Literal["json", "text"] = setting(
        "json",
        LOGS,
        "`json`: one JSON object per log line, with `task_id` and `user_id` where known (web "
        "and worker); `text`: one plain line each, for a terminal",
    )
    PUBLIC_URL: OptionalText = setting(
        None,
        WEBHOOKS,
        "the service's address as clients reach it, such as `https://ocr.example.com`: the "
        "links to a task's results in webhook bodies start with it",
        "unset (links are paths, such as `/api/tasks/<id>/result`)",
    )
    WEBHOOK_QUEUE: str = setting(
        "webhooks",
        WEBHOOKS,
        "the Celery queue webhooks are sent from, served by the Procfile's `webhooks` "
        "process only: OCR work never delays a webhook, and a slow receiver never holds an "
        "OCR worker",
    )
    WEBHOOK_ALLOW_HTTP: Switch = setting(
        False, WEBHOOKS, "`true`: webhook URLs may be `http`, not only `https`"
    )
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: Switch = setting(
        False,
        WEBHOOKS,
        "`true`: webhook URLs may resolve to loopback, private, link-local and other "
        "non-public addresses (cloud metadata included). Off, they are refused when saved "
        "and again at each delivery",
    )
    WEBHOOK_CONNECT_TIMEOUT: float = setting(
        5, WEBHOOKS, "seconds to connect to a webhook receiver", gt=0
    )
    WEBHOOK_TIMEOUT: float = setting(
        15, WEBHOOKS, "seconds a webhook delivery may take in all, connecting included", gt=0
    )
    WEBHOOK_USER_CONCURRENCY: int = setting(
        2,
        WEBHOOKS,
        "tries of one user's deliveries under way at once, in all webhooks workers: a user "
        "whose receivers are slow or down takes no more of their threads, and the others' "
        "deliveries go on; the user's further deliveries wait in line, each sent as one of "
        "their tries ends",
        ge=1,
    )
    WEBHOOK_BACKOFF: float = setting(
        5,
        WEBHOOKS,
        "seconds before the first retry of a failed delivery; each next one waits twice as "
        "long (with jitter), at most `WEBHOOK_BACKOFF_MAX`",
        gt=0,
    )
    WEBHOOK_BACKOFF_MAX: float = setting(
        3600, WEBHOOKS, "seconds between two retries of a delivery, at most", gt=0
    )
    WEBHOOK_RETRY_SECONDS: float = setting(
        86400,
        WEBHOOKS,
        "seconds a delivery is retried (on network errors, 5xx and 429) before it is given up",
        ge=0,
    )
    WEBHOOK_DISABLE_AFTER: float = setting(
        5 * 86400,
        WEBHOOKS,
        "seconds an endpoint may fail every delivery before it is disabled (its owner sees "
        "why in `disabledReason`, and may enable it again)",
        gt=0,
    )
    WEBHOOK_SWEEP_INTERVAL: float = setting(
        5,
        WEBHOOKS,
        "seconds between two sweeps (the `beat` process's schedule) that send the deliveries "
        "that are due: retries, and any whose message was lost",
        gt=0,
    )
    WEBHOOK_DELIVERY_DAYS: int = setting(
        30, WEBHOOKS, "days deliveries and their attempts are kept; the reaper forgets older ones"
    )

    @model_validator(mode="after")
    def derive_defaults(self) -> Self:
        """Place the database and storage in the instance folder; the broker on Redis."""
        self.INSTANCE_DIR = self.INSTANCE_DIR.resolve()
        if self.DATABASE_URL is None:
            self.DATABASE_URL = f"sqlite:///{self.INSTANCE_DIR / 'ocrapp.sqlite3'}"
        if self.STORAGE_URL is None:
            self.STORAGE_URL = (self.INSTANCE_DIR / "storage").as_uri()
        if self.BROKER_URL is None:
            self.BROKER_URL = self.REDIS_URL
        return self

    def flask_config(self) -> dict[str, Any]:
        """Return the Flask config: every setting, and the values derived from them."""
        return self.model_dump() | {
            "MAX_CONTENT_LENGTH": self.MAX_UPLOAD_MB * 1024 * 1024,
            "SECRET_KEY": self.SECRET_KEY or instance_secret(self.INSTANCE_DIR),
            "PERMANENT_SESSION_LIFETIME": self.SESSION_DAYS * 24 * 3600,
            "SESSION_COOKIE_NAME": "ocrapp_session",
            "SESSION_COOKIE_SAMESITE": "Lax",
            # The web app checks CSRF tokens itself: on its forms, and on /api with a cookie.
            "WTF_CSRF_CHECK_DEFAULT": False,
            "WTF_CSRF_TIME_LIMIT": None,
            # Clients only listen: a frame from one over 4 KiB closes its socket.
            "SOCK_SERVER_OPTIONS": {
                "ping_interval": self.WS_PING_INTERVAL,
                "max_message_size": 4096,
            },
            "CELERY": copy.deepcopy(CELERY),
        }


def instance_secret(instance_dir: Path) -> str:
    """Return the secret key kept in `instance_dir`, made by the first process that asks."""
    path = instance_dir / "secret_key"
    try:
        instance_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: of web processes starting together, one writes it and the others read it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
