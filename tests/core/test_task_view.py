"""The one schema of a task: the same fields everywhere, and the docs' example is one."""

import json
import re
from pathlib import Path

from ocrapp.core.task_view import TaskView, timestamp

DOCS = Path(__file__).parents[2] / "docs"


def test_the_websocket_docs_example_is_a_task_view_with_every_field():
    blocks = re.findall(r"```json\n(.*?)\n```", (DOCS / "websocket.md").read_text(), re.S)
    updates = [json.loads(block) for block in blocks if '"task_update"' in block]
    assert updates
    for update in updates:
        view = TaskView.model_validate(update["data"])
        assert view.as_json() == update["data"]


def test_admins_see_the_owner_and_others_do_not():
    fields = {
        "task_id": "t",
        "file_id": "f",
        "filename": "a.png",
        "engine": "auto",
        "status": "queued",
        "progress": 0,
        "page": None,
        "page_count": None,
        "message": None,
        "languages": ["eng"],
        "force_ocr": False,
        "error": None,
        "attempts": 0,
        "cancel_requested": False,
        "created_at": None,
        "started_at": None,
        "finished_at": None,
    }
    assert "userId" not in TaskView(**fields).as_json()
    assert TaskView(**fields, user_id=7).as_json()["userId"] == 7


def test_timestamps_are_utc_with_milliseconds_and_a_z():
    from datetime import datetime, timedelta, timezone

    moment = datetime(2026, 1, 2, 5, 4, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert timestamp(moment) == "2026-01-02T03:04:05.123Z"
    assert timestamp(None) is None
