"""Logs as JSON lines, one event a line (or text for a terminal), with who and what they concern.

Every record goes to one handler on the root logger. Its filters add what is known where
the record was made: in a request, the caller's `user_id`, the `method` and the `path`
(never the query string, which may hold a WebSocket's token) and the URL's `task_id`; in
a worker, the task's (see `tasks/logging_setup.py`).
"""

import logging

from flask import Flask, g, has_app_context, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from ocrapp.config import Settings

HANDLER_NAME = "ocrapp"
CONTEXT_FIELDS = ("task_id", "user_id", "method", "path")


def log_format() -> str:
    """Return the LOG_FORMAT setting: `json` (the default) or `text`."""
    return Settings().LOG_FORMAT


def set_default(record: logging.LogRecord, name: str, value) -> None:
    """Give `record` the field `name`, unless it has one (from `extra=`) or `value` is None."""
    if value is not None and not hasattr(record, name):
        setattr(record, name, value)


class RequestContextFilter(logging.Filter):
    """Add the request's method, path and task id, and the caller's user id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            set_default(record, "task_id", (request.view_args or {}).get("task_id"))
            set_default(record, "method", request.method)
            set_default(record, "path", request.path)
        if has_app_context():
            set_default(record, "user_id", g.get("user_id"))
        return True


class TextFormatter(logging.Formatter):
    """The usual one-line format, followed by whichever context fields the record has."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS if hasattr(record, name)
        )
        line = super().formatMessage(record)
        return f"{line} [{context}]" if context else line


def make_formatter(name: str) -> logging.Formatter:
    """Return the formatter for LOG_FORMAT `name`; anything but `text` means JSON."""
    if name == "text":
        return TextFormatter()
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601, UTC
    )


def configure_logging(
    level: int | str,
    *filters: logging.Filter,
    handler: logging.Handler | None = None,
    format_name: str | None = None,
) -> logging.Handler:
    """Send every record at `level` or above to `handler` (stderr by default); return it.

    Records are formatted as `format_name` says, by default as the LOG_FORMAT setting.

    A second call replaces the handler the first installed; other handlers stay.
    """
    handler = handler or logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(make_formatter(format_name or log_format()))
    for context_filter in filters:
        handler.addFilter(context_filter)
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(earlier)
        earlier.close()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def init_app(app: Flask) -> None:
    """Log at INFO as LOG_FORMAT says, records made in a request with its context."""
    configure_logging(logging.INFO, RequestContextFilter(), format_name=app.config["LOG_FORMAT"])
