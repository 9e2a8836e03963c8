"""ocrapp: a self-hosted OCR job service, the web side and the domain.

- `app`: the app factory, `create_app()`; `config`: every setting, read from the environment.
- `core/`: the domain: models, database, task lifecycle, submission, scheduling, storage.
- `web/`: the HTTP API under `/api`: routes, request and response schemas, errors.
- `realtime/`: task updates: the Redis channel, one subscription per process, `/ws`.
- `ops/`: running it: health probes, metrics, statistics, logs.
- `cli`: the `ocrapp` command (`entry`: its console script); `client/`: the Python client of
  the API, and its commands.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    """Import the app factory on first use: the worker's pipeline imports no Flask."""
    if name == "create_app":
        from ocrapp.app import create_app

        return create_app
    raise AttributeError(f"module 'ocrapp' has no attribute {name!r}")
