"""/metrics (the web process's counts, the records' figures, its token) and /api/stats."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import redis
from prometheus_client import multiprocess
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from ocrapp.core import lifecycle
from ocrapp.core.broker import PRIORITY_SUFFIXES
from ocrapp.core.db import db
from ocrapp.core.models import DeliveryStatus, Task, WebhookDelivery, utcnow
from ocrapp.core.scheduling import queue_names
from ocrapp.webhooks.endpoints import create_endpoint
from ocrapp.webhooks.events import EventType, add_deliveries
from tests.conftest import Socket, on_both_databases
from tests.factories import queued_task
from tests.helpers import auth
from tests.stack import wait_for


def scrape(client, **headers) -> dict:
    """Return every sample of /metrics, keyed by name and labels."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float | None:
    """The value of one sample, or None if /metrics does not have it."""
    return samples.get((name, frozenset(labels.items())))


def test_requests_are_counted_by_method_endpoint_and_status(app, client, make_user):
    _, token = make_user()
    before = scrape(client)
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200
    assert client.get("/api/tasks").status_code == 401
    assert client.get("/no-such-page").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels) -> float:
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    listing = {"method": "GET", "endpoint": "api.tasks.list_tasks"}
    assert delta("ocrapp_http_requests_total", **listing, status="200") == 2
    assert delta("ocrapp_http_requests_total", **listing, status="401") == 1
    assert delta("ocrapp_http_requests_total", method="GET", endpoint="none", status="404") == 1
    assert delta("ocrapp_http_request_duration_seconds_count", endpoint="api.tasks.list_tasks") == 3
    assert (
        delta("ocrapp_http_requests_total", method="GET", endpoint="metrics.metrics", status="200")
        == 1
    )


def set_times(task_id: str, created_ago: float, started_ago=None, finished_ago=None, pages=None):
    """Move a task's moments into the past (seconds ago), as if it ran then."""
    now = utcnow()
    ago = lambda seconds: None if seconds is None else now - timedelta(seconds=seconds)  # noqa: E731
    with db.session() as session:
        session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(
                created_at=ago(created_ago),
                started_at=ago(started_ago),
                finished_at=ago(finished_ago),
                page_count=pages,
            )
        )


@on_both_databases
def test_task_figures_are_read_from_the_records(app, client, make_user):
    user_id, _ = make_user()
    done, running, broken, old = (queued_task(user_id) for _ in range(4))
    queued_task(user_id)
    with app.app_context():
        for task_id in (done, running, broken, old):
            lifecycle.mark_processing(task_id)
        lifecycle.mark_completed(done)
        lifecycle.mark_completed(old)
        lifecycle.mark_failed(broken, "engine_error", "The engine stopped.")
    set_times(done, created_ago=600, started_ago=540, finished_ago=300, pages=4)  # 60 s/page
    set_times(running, created_ago=100, started_ago=70)
    set_times(broken, created_ago=50, started_ago=20, finished_ago=10)
    set_times(old, created_ago=9000, started_ago=8000, finished_ago=7300, pages=1)  # too old

    samples = scrape(client)

    tasks = {s: value(samples, "ocrapp_tasks", status=s) for s in ("queued", "processing")}
    assert tasks == {"queued": 1, "processing": 1}
    assert value(samples, "ocrapp_tasks", status="completed") == 2
    assert value(samples, "ocrapp_tasks", status="failed") == 1
    assert value(samples, "ocrapp_tasks", status="cancelled") == 0
    assert value(samples, "ocrapp_tasks_finished_last_hour", status="completed") == 1
    assert value(samples, "ocrapp_tasks_finished_last_hour", status="failed") == 1
    assert value(samples, "ocrapp_tasks_started_last_hour") == 3
    assert value(samples, "ocrapp_pages_completed_last_hour") == 4
    assert value(samples, "ocrapp_seconds_per_page_last_hour", engine="easyocr") == 60
    waits = "ocrapp_queue_wait_last_hour_seconds"
    assert value(samples, waits, statistic="mean") == pytest.approx(40)  # 60, 30 and 30
    assert value(samples, waits, statistic="max") == pytest.approx(60)
    assert value(samples, "ocrapp_metrics_source_up", source="database") == 1


@pytest.fixture
def broker_queues(app, redis_url):
    """The app's Celery queues, emptied after the test."""
    yield queue_names(app.config)
    broker = redis.Redis.from_url(redis_url)
    for name in queue_names(app.config):
        broker.delete(*(name + suffix for suffix in PRIORITY_SUFFIXES))


def test_webhook_deliveries_are_counted_by_status_and_disabled_endpoints(app, client, make_user):
    user_id, _ = make_user()
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
    task = {"taskId": "00000000-0000-0000-0000-000000000001", "status": "completed"}
    with app.app_context(), db.session() as session:
        endpoints = [
            create_endpoint(
                session, user_id, "http://127.0.0.1:1/", ["task.completed"], "", app.config
            )
            for _ in range(2)
        ]
        delivery_ids = add_deliveries(session, endpoints, EventType.TASK_COMPLETED, task)
        session.flush()
        session.get(WebhookDelivery, delivery_ids[0]).status = DeliveryStatus.FAILED
        endpoints[1].enabled = False

    samples = scrape(client)

    statuses = {s: value(samples, "ocrapp_webhook_deliveries", status=s) for s in DeliveryStatus}
    assert statuses == {"pending": 1, "delivered": 0, "failed": 1}
    assert value(samples, "ocrapp_webhook_endpoints_disabled") == 1
    redis.Redis.from_url(app.config["BROKER_URL"]).delete(app.config["WEBHOOK_QUEUE"])


def test_queue_depths_count_the_brokers_messages(app, client, broker_queues):
    small, large, priority, gpu = broker_queues
    celery_app = app.extensions["celery"]
    for queue, message_priority in ((small, None), (small, None), (priority, 9)):
        celery_app.send_task("ocrapp.nothing", queue=queue, priority=message_priority)

    samples = scrape(client)

    depths = {queue: value(samples, "ocrapp_queue_depth", queue=queue) for queue in broker_queues}
    assert depths == {small: 2, large: 0, priority: 1, gpu: 0}
    assert value(samples, "ocrapp_metrics_source_up", source="broker") == 1


def test_an_unreachable_broker_leaves_the_other_figures(app, client):
    app.config["BROKER_URL"] = "redis://127.0.0.1:1/0"
    samples = scrape(client)
    assert value(samples, "ocrapp_metrics_source_up", source="broker") == 0
    assert value(samples, "ocrapp_metrics_source_up", source="database") == 1
    assert value(samples, "ocrapp_tasks", status="queued") == 0


@on_both_databases
def test_metrics_token_is_required_once_set(app, client, make_user):
    app.config["METRICS_TOKEN"] = "scrape-secret"
    _, api_token = make_user(admin=True)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=auth(api_token)).status_code == 401
    assert client.get("/metrics", headers=auth("scrape-secret")).status_code == 200


def test_without_a_metrics_token_only_loopback_is_answered(app, client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
    assert remote.get_json()["error"]["code"] == "metrics_token_required"


def test_invented_methods_are_counted_as_other(app, client):
    for number in range(3):
        client.open("/healthz", method=f"AAA{number:04}")
    samples = scrape(client)
    methods = {
        dict(labels)["method"]
        for name, labels in samples
        if name.startswith("ocrapp_http") and "method" in dict(labels)
    }
    assert "other" in methods
    assert not any(method.startswith("AAA") for method in methods)


def test_the_records_figures_are_read_once_per_cache_period(app, client, make_user):
    app.config["METRICS_CACHE_SECONDS"] = 60
    user_id, _ = make_user()
    queued_task(user_id)
    first = value(scrape(client), "ocrapp_tasks", status="queued")
    queued_task(user_id)
    assert value(scrape(client), "ocrapp_tasks", status="queued") == first  # from the cache
    app.config["METRICS_CACHE_SECONDS"] = 0
    assert value(scrape(client), "ocrapp_tasks", status="queued") == first + 1


def test_open_sockets_and_the_updates_sent_to_them_are_counted(app, client, make_user, server):
    user_id, token = make_user()
    task_id = queued_task(user_id)
    sockets = lambda: value(scrape(client), "ocrapp_websockets_open")  # noqa: E731
    sent = lambda: value(scrape(client), "ocrapp_task_updates_sent_total")  # noqa: E731
    open_before, sent_before = sockets(), sent()

    socket = Socket(server, token)
    assert socket.receive()["type"] == "connected"
    assert socket.receive()["data"]["taskId"] == task_id  # the snapshot
    assert sockets() == open_before + 1
    with app.app_context():
        lifecycle.mark_processing(task_id)
    assert socket.receive()["data"]["status"] == "processing"
    # Counted once the server's send returns, which may be after the client has it.
    wait_for(lambda: sent() == sent_before + 2, timeout=10, what="both updates counted")

    socket.close()
    wait_for(lambda: sockets() == open_before, timeout=10, what="the socket counted closed")


def test_stats_are_for_admins_only(app, client, make_user):
    _, user_token = make_user()
    _, admin_token = make_user(admin=True)
    assert client.get("/api/stats").status_code == 401
    refused = client.get("/api/stats", headers=auth(user_token))
    assert refused.status_code == 404
    assert refused.json["error"]["code"] == "not_found"
    assert client.get("/api/stats", headers=auth(admin_token)).status_code == 200


def test_stats_show_queues_workers_tasks_and_the_last_hour(app, client, make_user, broker_queues):
    admin_id, admin_token = make_user(admin=True)
    done = queued_task(admin_id)
    queued_task(admin_id)
    with app.app_context():
        lifecycle.mark_processing(done)
        lifecycle.mark_completed(done)
    set_times(done, created_ago=300, started_ago=240, finished_ago=120, pages=2)
    for code, finished_ago in [("pdf_invalid", 30), ("pdf_invalid", 20), ("timeout", 7300)]:
        failed = queued_task(admin_id)
        with app.app_context():
            lifecycle.mark_processing(failed)
            lifecycle.mark_failed(failed, code, "It went wrong.")
        set_times(
            failed,
            created_ago=finished_ago + 100,
            started_ago=finished_ago + 40,
            finished_ago=finished_ago,
        )
    app.extensions["celery"].send_task("ocrapp.nothing", queue=broker_queues[0])

    body = client.get("/api/stats", headers=auth(admin_token)).json

    assert body["queues"] == {broker_queues[0]: 1, **dict.fromkeys(broker_queues[1:], 0)}
    # Workers of other tests' stacks may answer; none consumes this test's queues.
    assert not any(set(worker["queues"]) & set(broker_queues) for worker in body["workers"])
    assert body["tasks"] == {
        "queued": 1,
        "processing": 0,
        "completed": 1,
        "failed": 3,
        "cancelled": 0,
    }
    hour = body["lastHour"]
    assert hour["tasksFinished"] == {"completed": 1, "failed": 2, "cancelled": 0}
    assert hour["failuresByCode"] == {"pdf_invalid": 2}  # the timeout was hours ago
    assert hour["pagesCompleted"] == 2
    assert hour["pagesPerMinute"] == pytest.approx(2 / 60, abs=0.001)
    assert hour["queueWaitSeconds"]["mean"] == pytest.approx(60)
    assert hour["secondsPerPage"] == {"easyocr": pytest.approx(60)}


def run_web_process(multiproc_dir, code: str) -> int:
    """Run `code` in a new process in multiprocess mode, as a gunicorn worker; return its pid."""
    script = f"import os\nfrom ocrapp.ops import metrics\n{code}\nprint(os.getpid())"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


def test_multiprocess_mode_sums_the_processes_and_forgets_dead_sockets(
    app, client, tmp_path, monkeypatch
):
    first = run_web_process(
        tmp_path, "metrics.OPEN_WEBSOCKETS.inc(2)\nmetrics.count_task_updates_sent(3)"
    )
    run_web_process(tmp_path, "metrics.OPEN_WEBSOCKETS.inc()\nmetrics.count_task_updates_sent(4)")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    assert value(scrape(client), "ocrapp_websockets_open") == 3
    multiprocess.mark_process_dead(first)  # what gunicorn's child_exit hook does
    samples = scrape(client)

    assert value(samples, "ocrapp_websockets_open") == 1
    assert value(samples, "ocrapp_task_updates_sent_total") == 7  # counts outlive processes
    assert value(samples, "ocrapp_tasks", status="queued") == 0  # the records are there too
