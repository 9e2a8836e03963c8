"""A small client of the ocrapp API, used by `ocrapp submit`."""

import json
from collections.abc import Iterator
from pathlib import Path

import requests
import websocket


class ApiClientError(Exception):
    """The server answered with an error."""


class ApiClient:
    """Talk to one ocrapp server with one API token."""

    def __init__(self, url: str, token: str, timeout: float = 60) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = timeout

    def _check(self, response: requests.Response) -> requests.Response:
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                detail = f"{error['code']}: {error['message']}"
            except (ValueError, KeyError, TypeError):
                detail = response.text[:200]
            raise ApiClientError(f"HTTP {response.status_code} {detail}")
        return response

    def submit(self, path: Path, **fields: str) -> dict:
        """Upload a file (with form `fields`: engine, languages) and return the new task."""
        with path.open("rb") as file:
            response = requests.post(
                f"{self.url}/api/tasks",
                headers=self.headers,
                files={"file": (path.name, file)},
                data={name: value for name, value in fields.items() if value},
                timeout=self.timeout,
            )
        return self._check(response).json()

    def task(self, task_id: str) -> dict:
        """Return a task's status."""
        response = requests.get(
            f"{self.url}/api/tasks/{task_id}", headers=self.headers, timeout=self.timeout
        )
        return self._check(response).json()

    def result_text(self, task_id: str) -> str:
        """Return a completed task's plain text."""
        response = requests.get(
            f"{self.url}/api/tasks/{task_id}/result",
            params={"format": "txt"},
            headers=self.headers,
            timeout=self.timeout,
        )
        return self._check(response).text

    def connect(self) -> websocket.WebSocket:
        """Open the WebSocket of task updates, once the server says it is subscribed."""
        ws_url = "ws" + self.url.removeprefix("http") + "/ws"
        header = [f"{name}: {value}" for name, value in self.headers.items()]
        ws = websocket.create_connection(ws_url, header=header, timeout=self.timeout)
        if _receive(ws).get("type") != "connected":
            ws.close()
            raise ApiClientError("the server did not confirm the WebSocket connection")
        return ws

    @staticmethod
    def updates(ws: websocket.WebSocket, task_id: str, timeout: float) -> Iterator[dict]:
        """Yield the updates of `task_id` until it is completed, failed or cancelled."""
        ws.settimeout(timeout)
        while True:
            message = _receive(ws)
            data = message.get("data", {})
            if message.get("type") != "task_update" or data.get("taskId") != task_id:
                continue
            yield data
            if data["status"] in ("completed", "failed", "cancelled"):
                return


def _receive(ws: websocket.WebSocket) -> dict:
    """Return the next message, or raise ApiClientError if none comes or the socket closed."""
    try:
        raw = ws.recv()
    except websocket.WebSocketTimeoutException as error:
        raise ApiClientError(f"no update for {ws.gettimeout():.0f}s") from error
    except websocket.WebSocketConnectionClosedException as error:
        raise ApiClientError("the server closed the WebSocket") from error
    if not raw:
        raise ApiClientError("the server closed the WebSocket")
    return json.loads(raw)
