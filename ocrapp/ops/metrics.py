"""Prometheus metrics at /metrics: the web process's own, and the service's figures.

The web process counts its requests and sockets itself. Everything about tasks and queues
is read from the database and Redis when Prometheus scrapes (`RecordsCollector`), so no
figure depends on which process ran a task. gunicorn runs several processes: with
PROMETHEUS_MULTIPROC_DIR set, each writes its metrics there and a scrape sums them all.
"""

import hmac
import ipaddress
import logging
import os
import time
from dataclasses import dataclass, field

import redis
from flask import Blueprint, Flask, Response, current_app, g, request
from flask.signals import request_finished, request_started
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from sqlalchemy.exc import SQLAlchemyError

from ocrapp.core.db import db
from ocrapp.ops.stats import (
    disabled_webhook_endpoints,
    last_hour,
    queue_depths,
    tasks_by_status,
    webhook_deliveries_by_status,
)
from ocrapp.web.auth import bearer_token
from ocrapp.web.errors import ApiError

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)

HTTP_REQUESTS = Counter(
    "ocrapp_http_requests",
    "HTTP requests answered, by method, route endpoint and status.",
    ["method", "endpoint", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "ocrapp_http_request_duration_seconds",
    "Time to answer an HTTP request, by route endpoint (WebSockets not included).",
    ["endpoint"],
    # Uploads and long polls take seconds; the rest milliseconds.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
OPEN_WEBSOCKETS = Gauge(
    "ocrapp_websockets_open", "WebSockets open now.", multiprocess_mode="livesum"
)
TASK_UPDATES_SENT = Counter("ocrapp_task_updates_sent", "Task updates sent to WebSockets.")
# Any other method a client invents is counted as "other": a label per made-up method
# would grow the series without bound.
STANDARD_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}


def init_app(app: Flask) -> None:
    """Serve /metrics and count every request the app answers."""
    app.register_blueprint(bp)
    app.extensions["metrics_figures"] = CachedFigures()
    # Signals rather than before_request: they see requests an earlier hook answered.
    request_started.connect(_request_started, app)
    request_finished.connect(_request_finished, app)
    app.teardown_request(_request_ended)


def count_task_updates_sent(count: int = 1) -> None:
    """Count task updates sent to a WebSocket."""
    TASK_UPDATES_SENT.inc(count)


def _is_websocket() -> bool:
    return request.url_rule is not None and bool(request.url_rule.websocket)


def _request_started(_app: Flask, **_) -> None:
    """Start the request's clock; count an open WebSocket."""
    g.metrics_started_at = time.perf_counter()
    if _is_websocket():
        OPEN_WEBSOCKETS.inc()
        g.metrics_socket_open = True


def _request_finished(_app: Flask, response: Response, **_) -> None:
    """Count the answered request, and time it unless it was a WebSocket's lifetime."""
    endpoint = request.endpoint or "none"  # "none": no route matched (404, 405)
    method = request.method if request.method in STANDARD_METHODS else "other"
    HTTP_REQUESTS.labels(method, endpoint, str(response.status_code)).inc()
    if "metrics_started_at" in g and not _is_websocket():
        HTTP_REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - g.metrics_started_at)


def _request_ended(_error: BaseException | None) -> None:
    """Count a WebSocket closed, whatever ended it."""
    if g.pop("metrics_socket_open", False):
        OPEN_WEBSOCKETS.dec()


def _labelled_gauge(name: str, documentation: str, label: str, values: dict) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in values.items():
        gauge.add_metric([key], value)
    return gauge


@dataclass
class CachedFigures:
    """The records' figures of this web process's last scrape, and when they were read."""

    families: list = field(default_factory=list)
    read_at: float = float("-inf")


class RecordsCollector:
    """Read the tasks and queues from the database and Redis when Prometheus scrapes."""

    def __init__(self, config, cache: CachedFigures) -> None:
        self.config, self.cache = config, cache

    def collect(self):
        """Yield the figures, read again once the cached ones are METRICS_CACHE_SECONDS old."""
        now = time.monotonic()
        if now - self.cache.read_at >= self.config["METRICS_CACHE_SECONDS"]:
            self.cache.families, self.cache.read_at = list(self._read()), now
        yield from self.cache.families

    def _read(self):
        """Yield each source's figures, and whether it could be read."""
        up = GaugeMetricFamily(
            "ocrapp_metrics_source_up",
            "1 if the figures from this source could be read at this scrape, else 0.",
            labels=["source"],
        )
        for source, read in (("database", self._database), ("broker", self._broker)):
            try:
                families = list(read())
            except (SQLAlchemyError, redis.RedisError) as error:
                log.warning("metrics: could not read the %s: %s", source, error)
                families = None
            up.add_metric([source], 0 if families is None else 1)
            yield from families or []
        yield up

    def _database(self):
        with db.session() as session:
            by_status, hour = tasks_by_status(session), last_hour(session)
            deliveries = webhook_deliveries_by_status(session)
            disabled = disabled_webhook_endpoints(session)
        yield _labelled_gauge("ocrapp_tasks", "Tasks by status.", "status", by_status)
        yield _labelled_gauge(
            "ocrapp_tasks_finished_last_hour",
            "Tasks that ended in the last hour, by final status.",
            "status",
            hour.finished_counts(),
        )
        yield GaugeMetricFamily(
            "ocrapp_tasks_started_last_hour",
            "Tasks a worker started in the last hour.",
            value=len(hour.queue_waits),
        )
        yield GaugeMetricFamily(
            "ocrapp_pages_completed_last_hour",
            "Pages of the tasks completed in the last hour.",
            value=hour.pages_completed(),
        )
        yield _labelled_gauge(
            "ocrapp_queue_wait_last_hour_seconds",
            "Seconds the tasks started in the last hour waited for a worker: mean, p50, p95, max.",
            "statistic",
            hour.queue_wait_statistics(),
        )
        yield _labelled_gauge(
            "ocrapp_seconds_per_page_last_hour",
            "Seconds per page of the tasks completed in the last hour, by engine.",
            "engine",
            hour.seconds_per_page(),
        )
        yield _labelled_gauge(
            "ocrapp_webhook_deliveries",
            "Webhook deliveries kept (WEBHOOK_DELIVERY_DAYS), by status: pending, delivered, "
            "failed (given up).",
            "status",
            deliveries,
        )
        yield GaugeMetricFamily(
            "ocrapp_webhook_endpoints_disabled",
            "Webhook endpoints disabled: failing for days, or answered 410 Gone.",
            value=disabled,
        )

    def _broker(self):
        depths = queue_depths(self.config)
        if depths is not None:
            yield _labelled_gauge(
                "ocrapp_queue_depth", "Tasks waiting in each Celery queue.", "queue", depths
            )


def multiprocess_dir() -> str | None:
    """Return PROMETHEUS_MULTIPROC_DIR, which prometheus-client itself reads at import."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def scrape_registry(config, cache: CachedFigures) -> CollectorRegistry:
    """Gather the web metrics (of every gunicorn process) and the records' figures."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # this process's metrics, and its CPU and memory
    registry.register(RecordsCollector(config, cache))
    return registry


def require_metrics_access() -> None:
    """Answer 401 without METRICS_TOKEN when one is set; without one, serve loopback only."""
    expected = current_app.config.get("METRICS_TOKEN")
    if expected:
        if not hmac.compare_digest((bearer_token() or "").encode(), expected.encode()):
            raise ApiError(401, "unauthorized", "Send Authorization: Bearer <METRICS_TOKEN>.")
    elif not is_loopback(request.remote_addr):
        message = "/metrics answers other hosts only once METRICS_TOKEN is set."
        raise ApiError(403, "metrics_token_required", message)


def is_loopback(address: str | None) -> bool:
    """Whether the client's address is this machine's own."""
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    """Answer Prometheus's scrape, in the format its Accept header asks for."""
    require_metrics_access()
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    registry = scrape_registry(current_app.config, current_app.extensions["metrics_figures"])
    return Response(encoder(registry), content_type=content_type)
