"""The Python client of the ocrapp API: `Client(url, token)`, typed tasks, `ApiError`.

- `api`: the client: submit a file, follow its task, fetch its results, cancel or delete it.
- `retries`: the HTTP session, retrying what is safe to send twice.
- `following`: waiting for a task over the WebSocket, or by long polling.
- `models`: the task and page as the API shows them; `errors`: `ApiError`.
- `commands`, `submitting`, `display`, `exits`: the `ocrapp submit/status/result/cancel/
  delete` commands.

It imports neither Flask, SQLAlchemy, Celery nor an OCR engine.
"""

from ocrapp.client.api import Client
from ocrapp.client.errors import ApiError
from ocrapp.client.models import PageList, PageSummary, Task, TaskFailure, TaskResult

__all__ = ["ApiError", "Client", "PageList", "PageSummary", "Task", "TaskFailure", "TaskResult"]
