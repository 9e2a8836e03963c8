"""Errors as HTTP answers: `ApiError` for the web layer's own, domain errors mapped by code."""

import logging

import botocore.exceptions
import sqlalchemy.exc
from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ocrapp.core.errors import DomainError

log = logging.getLogger(__name__)

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    415: "unsupported_media_type",
    429: "rate_limited",
}

# The HTTP status of each domain error (ocrapp.core.errors); any other is a 422.
DOMAIN_STATUSES = {
    "empty_file": 400,
    "unknown_engine": 400,
    "unsupported_language": 400,
    "unsupported_media_type": 415,
    "too_many_tasks": 429,
    "quota_exceeded": 429,
    "engines_unknown": 503,
}


class ApiError(Exception):
    """An error answered to the client as `{"error": {"code", "message"}}`."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict | None = None, **details
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}


def suggest_retry_after(seconds: int | str) -> None:
    """Answer this request with `Retry-After: seconds`, whatever the rate limiter sets (its
    hook sets its window's reset on every answer; `security` puts this one back)."""
    g.retry_after = seconds


def error_response(status: int, code: str, message: str, **details):
    """Build the JSON response for an error."""
    return jsonify(error={"code": code, "message": message, **details}), status


def database_away(error: sqlalchemy.exc.DBAPIError) -> bool:
    """Whether `error` says the database is unreachable (down, restarting), not a bug."""
    return isinstance(error, sqlalchemy.exc.OperationalError) or error.connection_invalidated


def storage_unavailable(what_then: str) -> ApiError:
    """`503 storage_unavailable`: the file storage could not be reached; say what then."""
    message = f"The file storage cannot be reached: {what_then}"
    return ApiError(503, "storage_unavailable", message, {"Retry-After": "30"})


def register_error_handlers(app: Flask) -> None:
    """Render every error, ours and Werkzeug's, as JSON."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        # Every refusal leaves a line with its code; the logging filter adds user and path.
        log.info("refused %s %s: %s", error.status, error.code, error.message)
        body, status = error_response(error.status, error.code, error.message, **error.details)
        body.headers.update(error.headers)
        if "Retry-After" in error.headers:  # the error's own, not the rate limiter's window
            suggest_retry_after(error.headers["Retry-After"])
        return body, status

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        status = DOMAIN_STATUSES.get(error.code, 422)
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
        return handle_api_error(
            ApiError(status, error.code, error.message, headers, **error.details)
        )

    @app.errorhandler(RecursionError)
    def handle_nesting_too_deep(error: RecursionError):
        # Parsing JSON (a body, or a form value that flask-openapi3 reads as JSON) recurses
        # once per bracket: "[[[[..." reaches Python's limit before any schema sees it.
        message = "The request is nested too deeply to read."
        return handle_api_error(ApiError(400, "invalid_request", message))

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        if error.code == 413 and error.description != RequestEntityTooLarge.description:
            # The form's own limits (web.multipart): too many parts, or a field too large.
            return error_response(413, "form_too_large", error.description)
        if error.code == 413:
            limit = app.config["MAX_UPLOAD_MB"]
            log.info("refused 413 file_too_large: over %s MB", limit)
            return error_response(413, "file_too_large", f"Uploads are limited to {limit} MB.")
        code = HTTP_ERROR_CODES.get(error.code, "http_error")
        if error.code == 404 and request.path.startswith("/api/"):
            # No route matched: most often a task id that is not one (`not-a-uuid`).
            message = f"There is no {request.path} in the API (task ids are UUIDs; see /docs)."
            return error_response(404, code, message)
        return error_response(error.code, code, error.description)

    def service_unavailable(message: str):
        return handle_api_error(ApiError(503, "service_unavailable", message, {"Retry-After": "5"}))

    @app.errorhandler(sqlalchemy.exc.DBAPIError)
    def handle_database_error(error: sqlalchemy.exc.DBAPIError):
        if not database_away(error):
            return handle_unexpected(error)
        log.warning("database unreachable: %s", type(error.orig).__name__)
        return service_unavailable("The database cannot be reached now: try again shortly.")

    @app.errorhandler(botocore.exceptions.BotoCoreError)
    @app.errorhandler(botocore.exceptions.ClientError)
    def handle_storage_error(error: Exception):
        # The store refused, timed out or could not be reached (a missing object is each
        # route's own 404): nothing was kept, so the same request may be sent again.
        log.warning("file storage failed: %r", error)
        return handle_api_error(storage_unavailable("try again shortly."))

    @app.errorhandler(sqlalchemy.exc.TimeoutError)
    def handle_database_busy(error: sqlalchemy.exc.TimeoutError):
        log.warning("no database connection free: %s", error)
        return service_unavailable("The service is busy: try again shortly.")

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side.")
