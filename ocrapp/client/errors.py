"""The one exception of the client: the server refused, failed or could not be reached."""

import requests

# The codes of failures that have no answer from the server.
UNREACHABLE = "unreachable"
TIMED_OUT = "timed_out"


class ApiError(Exception):
    """An answer with an error, or none at all: `status` (None without an answer), `code`,
    `message`, and `details`: the error's other fields (`languages` of unsupported_language)."""

    def __init__(
        self,
        status: int | None,
        code: str,
        message: str,
        retried: bool = False,
        details: dict | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if status is None else f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.retried = retried  # whether the request was sent more than once
        self.details = details or {}

    @classmethod
    def from_response(cls, response: requests.Response) -> "ApiError":
        """Read the API's `{"error": {"code", "message"}}`, or make one from the status."""
        retries = getattr(response.raw, "retries", None)
        retried = bool(retries is not None and retries.history)
        try:
            error = dict(response.json()["error"])
            code, message = str(error.pop("code")), str(error.pop("message"))
        except (ValueError, KeyError, TypeError):
            code, message, error = f"http_{response.status_code}", response.reason or "error", {}
        return cls(response.status_code, code, message, retried, error)

    @classmethod
    def from_exception(cls, error: requests.RequestException) -> "ApiError":
        """Describe a request that got no usable answer (refused, reset, timed out)."""
        code = TIMED_OUT if isinstance(error, requests.Timeout) else UNREACHABLE
        return cls(None, code, str(error))

    def as_json(self) -> dict:
        """The error as `{"status", "code", "message"}` and its other fields, if any."""
        return {"status": self.status, "code": self.code, "message": self.message, **self.details}

    @property
    def unavailable(self) -> bool:
        """Whether the server could not be reached or failed (no answer, or a 5xx)."""
        return self.status is None or self.status >= 500
