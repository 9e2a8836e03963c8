"""The one exception of the client: the server refused, failed or could not be reached."""

import requests

# The codes of failures that have no answer from the server.
UNREACHABLE = "unreachable"
TIMED_OUT = "timed_out"


class ApiError(Exception):
    """An answer with an error, or none at all: `status` (None without an answer), `code`,
    `message`."""

    def __init__(self, status: int | None, code: str, message: str, retried: bool = False) -> None:
        super().__init__(f"{code}: {message}" if status is None else f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.retried = retried  # whether the request was sent more than once

    @classmethod
    def from_response(cls, response: requests.Response) -> "ApiError":
        """Read the API's `{"error": {"code", "message"}}`, or make one from the status."""
        retries = getattr(response.raw, "retries", None)
        retried = bool(retries is not None and retries.history)
        try:
            error = response.json()["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            code, message = f"http_{response.status_code}", response.reason or "error"
        return cls(response.status_code, code, message, retried)

    @classmethod
    def from_exception(cls, error: requests.RequestException) -> "ApiError":
        """Describe a request that got no usable answer (refused, reset, timed out)."""
        code = TIMED_OUT if isinstance(error, requests.Timeout) else UNREACHABLE
        return cls(None, code, str(error))

    def as_json(self) -> dict:
        """The error as `{"status", "code", "message"}`."""
        return {"status": self.status, "code": self.code, "message": self.message}

    @property
    def unavailable(self) -> bool:
        """Whether the server could not be reached or failed (no answer, or a 5xx)."""
        return self.status is None or self.status >= 500
