"""Log lines: JSON (or text) with the request's user, path and task, and the worker's task."""

import io
import json
import logging
import re

import pytest
from celery import Celery
from celery.signals import setup_logging

from ocrapp.core.jobs import OCR_TASK_NAME
from ocrapp.ops import logs
from ocrapp.web.auth import authenticate
from tests.conftest import on_both_databases
from tests.factories import queued_task
from tests.helpers import auth
from tests.stack import Stack

probe_log = logging.getLogger("ocrapp.probe")


@pytest.fixture
def log_lines():
    """Install the app's log handler on a buffer; return a function giving its lines."""
    buffer = io.StringIO()
    handler = logs.configure_logging(
        logging.INFO, logs.RequestContextFilter(), handler=logging.StreamHandler(buffer)
    )
    yield lambda: buffer.getvalue().splitlines()
    logging.getLogger().removeHandler(handler)


def add_probe_route(app) -> None:
    """Add an authenticated route on a task that logs one line, as views do."""

    def probe(task_id: str):
        authenticate()
        probe_log.warning("looked at the task")
        return "", 204

    app.add_url_rule("/api/probe/<task_id:task_id>", view_func=probe)


@on_both_databases
def test_request_lines_are_json_with_user_task_and_path(app, client, make_user, log_lines):
    user_id, token = make_user()
    task_id = queued_task(user_id)
    add_probe_route(app)

    assert client.get(f"/api/probe/{task_id}?token=secret", headers=auth(token)).status_code == 204

    line = json.loads(log_lines()[-1])
    assert line["message"] == "looked at the task"
    assert (line["level"], line["logger"]) == ("WARNING", "ocrapp.probe")
    assert (line["user_id"], line["task_id"]) == (user_id, task_id)
    assert (line["method"], line["path"]) == ("GET", f"/api/probe/{task_id}")  # no query
    assert line["time"].endswith("+00:00")


def test_lines_outside_a_request_have_no_request_fields(log_lines):
    probe_log.warning("on its own")
    line = json.loads(log_lines()[-1])
    assert line["message"] == "on its own"
    assert not {"user_id", "task_id", "method", "path"} & line.keys()


def test_an_exception_stays_on_its_one_line(log_lines):
    try:
        raise ValueError("bad page")
    except ValueError:
        probe_log.exception("the page failed")
    (line,) = log_lines()
    assert "ValueError: bad page" in json.loads(line)["exc_info"]


def test_text_format_for_a_terminal(monkeypatch, log_lines):
    monkeypatch.setenv("LOG_FORMAT", "text")
    buffer = io.StringIO()
    handler = logs.configure_logging(logging.INFO, handler=logging.StreamHandler(buffer))
    probe_log.warning("read %d pages", 3, extra={"task_id": "t-1", "user_id": 7})
    logging.getLogger().removeHandler(handler)
    assert buffer.getvalue().rstrip().endswith("ocrapp.probe: read 3 pages [task_id=t-1 user_id=7]")
    assert log_lines() == []  # the second call replaced the first handler


@pytest.fixture
def worker_log(tmp_path):
    """The worker's logging as Celery sets it up (--logfile), and the file's JSON lines."""
    import tasks.logging_setup  # noqa: F401  connects the Celery signals, as tasks/worker.py does

    path = tmp_path / "worker.log"
    setup_logging.send(
        sender=None, loglevel=logging.INFO, logfile=str(path), format="", colorize=False
    )
    yield lambda: [json.loads(line) for line in path.read_text().splitlines()]
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == logs.HANDLER_NAME]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def celery_app(app):
    """A Celery app whose OCR task only logs, run eagerly (with the task signals)."""
    celery_app = Celery("test-logs", set_as_current=False)

    # Registered now, not when the app is finalised: our shared tasks of the same names,
    # added at finalisation, must find these in place. Not shared: the apps of later tests
    # must not get these stubs.
    @celery_app.task(name=OCR_TASK_NAME, lazy=False, shared=False)
    def recognize(task_id: str) -> None:
        probe_log.info("page 1 read")

    @celery_app.task(name="ocrapp.reap", lazy=False, shared=False)
    def reap() -> None:
        probe_log.info("reaped")

    return celery_app


# Celery adds our shared tasks to every app it finalises, under the names the stubs took
# first: the stubs are the ones that run, and Celery warns about the others.
@pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning")
def test_worker_lines_carry_the_task_and_its_owner(app, make_user, celery_app, worker_log):
    user_id = make_user()[0]
    task_id = queued_task(user_id)

    celery_app.tasks[OCR_TASK_NAME].apply(args=[task_id], task_id=task_id).get()
    celery_app.tasks["ocrapp.reap"].apply().get()
    probe_log.info("between tasks")

    by_message = {line["message"]: line for line in worker_log()}
    assert by_message["page 1 read"]["task_id"] == task_id
    assert by_message["page 1 read"]["user_id"] == user_id
    assert "task_id" not in by_message["reaped"]  # the reaper's id is not one of our tasks
    assert "task_id" not in by_message["between tasks"]


ACCESS_LINE = re.compile(r'^\S+ "[A-Z]+ \S+" \d{3} \d+ \d+ms$')


def test_the_web_process_writes_json_lines_but_for_its_access_log(tmp_path, redis_server):
    """gunicorn's own lines and the migrations' (alembic.ini's logging) were plain text."""
    stack = Stack.embedded(tmp_path / "instance", {"REDIS_URL": f"{redis_server}/14"}, tmp_path)
    with stack.running(names=("web",)):
        pass  # started (migrating a new database), answered /readyz, stopped with SIGTERM
    lines = stack.process("web").log().splitlines()

    plain = [line for line in lines if not ACCESS_LINE.match(line) and not is_json(line)]
    assert plain == []
    loggers = {json.loads(line)["logger"] for line in lines if is_json(line)}
    assert {"gunicorn.error", "alembic.runtime.migration"} <= loggers


def is_json(line: str) -> bool:
    """Whether `line` is one JSON object."""
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
