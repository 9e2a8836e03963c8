"""`Client`: submit files to an ocrapp server, follow their tasks, fetch their results."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from ocrapp.client.errors import ApiError
from ocrapp.client.following import follow
from ocrapp.client.models import PageList, Task
from ocrapp.client.retries import IDEMPOTENCY_KEY, retrying_session

RESULT_FORMATS = ("json", "txt", "html", "hocr", "pdf")
PAGE_FORMATS = ("json", "txt")


def readable_name(path: os.PathLike | str) -> str:
    """`path` as text that can be sent and printed: a name that is not UTF-8 on disk (in
    Python, surrogate escapes, which no encoder takes) has U+FFFD for its odd bytes."""
    return os.fsencode(path).decode("utf-8", "replace")


class Client:
    """One ocrapp server, one API token: every call of the API as a method."""

    def __init__(self, url: str, token: str, *, timeout: float = 60, retries: int = 5) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = retrying_session(token, retries)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request to `path` under the server's URL; raise ApiError on an error."""
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, self.url + path, **kwargs)
        except requests.RequestException as error:
            raise ApiError.from_exception(error) from error
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    def submit(
        self,
        path: str | Path,
        *,
        engine: str | None = None,
        languages: str | list[str] | None = None,
        force_ocr: bool = False,
        idempotency_key: str | None = None,
    ) -> Task:
        """Upload the file at `path` for OCR and return its task, `queued`.

        Sent with an Idempotency-Key (a new one unless given), so that a retry after a
        lost answer returns the same task rather than making a second one.
        """
        path = Path(path)
        if isinstance(languages, list | tuple):
            languages = "+".join(languages)
        fields = {
            "engine": engine,
            "languages": languages,
            "forceOcr": "true" if force_ocr else None,
        }
        headers = {IDEMPOTENCY_KEY: idempotency_key or str(uuid.uuid4())}
        with path.open("rb") as file:
            response = self.request(
                "POST",
                "/api/tasks",
                files={"file": (readable_name(path.name), file)},
                data={name: value for name, value in fields.items() if value},
                headers=headers,
            )
        return Task.model_validate(response.json())

    def task(self, task_id: str, *, wait: float = 0) -> Task:
        """Return the task as it is now; with `wait`, once its status changes (60 s at most)."""
        if not wait:
            return Task.model_validate(self.request("GET", f"/api/tasks/{task_id}").json())
        seconds = min(int(wait), 60)
        response = self.request(
            "GET",
            f"/api/tasks/{task_id}",
            params={"wait": seconds},
            timeout=seconds + self.timeout,
        )
        return Task.model_validate(response.json())

    def wait(
        self,
        task_id: str,
        on_update: Callable[[Task], None] | None = None,
        *,
        timeout: float | None = None,
    ) -> Task:
        """Follow the task until it is completed, failed or cancelled, and return it then.

        Updates come over the WebSocket, which is reopened with `since=` if it drops, so
        that none is missed; if it cannot be opened, by long polling. `on_update` is called
        with each new state of the task. TimeoutError after `timeout` seconds.
        """
        return follow(self, task_id, on_update, timeout)

    def result(self, task_id: str, format: str = "json") -> Any:
        """Return a completed task's result: json as a dict, pdf as bytes, others as text."""
        if format not in RESULT_FORMATS:
            raise ValueError(f"format must be one of {', '.join(RESULT_FORMATS)}")
        response = self.request("GET", f"/api/tasks/{task_id}/result", params={"format": format})
        return decoded(response, format)

    def pages(self, task_id: str) -> PageList:
        """List the task's pages finished so far, while it runs too."""
        return PageList.model_validate(self.request("GET", f"/api/tasks/{task_id}/pages").json())

    def page(self, task_id: str, number: int, format: str = "json") -> Any:
        """Return one finished page (from 1): json as a dict, txt as text."""
        if format not in PAGE_FORMATS:
            raise ValueError(f"format must be one of {', '.join(PAGE_FORMATS)}")
        response = self.request(
            "GET", f"/api/tasks/{task_id}/pages/{number}", params={"format": format}
        )
        return decoded(response, format)

    def cancel(self, task_id: str) -> Task:
        """Cancel the task: a queued one at once, a running one after its current page."""
        return Task.model_validate(self.request("POST", f"/api/tasks/{task_id}/cancel").json())

    def delete(self, task_id: str) -> None:
        """Delete the task with its upload and results; a running one is stopped first.

        A retry after a lost answer finds the task that its first try deleted gone: a 404
        after a retry means deleted, since the task is gone either way.
        """
        try:
            self.request("DELETE", f"/api/tasks/{task_id}")
        except ApiError as error:
            if not (error.status == 404 and error.retried):
                raise


def decoded(response: requests.Response, format: str) -> Any:
    """The body of a result or page in `format`: a dict, bytes or text."""
    if format == "json":
        return response.json()
    if format == "pdf":
        return response.content
    response.encoding = "utf-8"
    return response.text
