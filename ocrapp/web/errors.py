"""API errors as values: raised from one place, rendered as JSON by one handler."""

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error answered to the client as `{"error": {"code", "message"}}`."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict | None = None, **details
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, **details):
    """Build the JSON response for an error."""
    return jsonify(error={"code": code, "message": message, **details}), status


def register_error_handlers(app: Flask) -> None:
    """Render every error, ours and Werkzeug's, as JSON."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        # Every refusal leaves a line with its code; the logging filter adds user and path.
        log.info("refused %s %s: %s", error.status, error.code, error.message)
        body, status = error_response(error.status, error.code, error.message, **error.details)
        body.headers.update(error.headers)
        return body, status

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        if error.code == 413:
            limit = app.config["MAX_UPLOAD_MB"]
            log.info("refused 413 file_too_large: over %s MB", limit)
            return error_response(413, "file_too_large", f"Uploads are limited to {limit} MB.")
        code = HTTP_ERROR_CODES.get(error.code, "http_error")
        return error_response(error.code, code, error.description)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side.")
