"""Webhook events: recorded as deliveries in the transaction of the change they tell of."""

import enum
import json
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ocrapp.core.models import (
    DeliveryStatus,
    Task,
    TaskPage,
    TaskStatus,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from ocrapp.core.task_view import TaskView, timestamp
from ocrapp.webhooks.dispatch import DISPATCH_LEASE, send_after_commit

RESULT_FORMATS = ("json", "txt", "html", "hocr", "pdf")


class EventType(enum.StrEnum):
    """What a webhook tells of: a task's end, or one of its pages done."""

    TASK_COMPLETED = "task.completed"
    TASK_FAILED = "task.failed"
    TASK_CANCELLED = "task.cancelled"
    PAGE_COMPLETED = "page.completed"


FINAL_EVENTS = {
    TaskStatus.COMPLETED: EventType.TASK_COMPLETED,
    TaskStatus.FAILED: EventType.TASK_FAILED,
    TaskStatus.CANCELLED: EventType.TASK_CANCELLED,
}


def new_message_id() -> str:
    """Return a new delivery id, the `webhook-id` of each of its tries: `msg_` and 128 bits."""
    return "msg_" + secrets.token_hex(16)


def task_links(task: dict[str, Any]) -> dict[str, Any]:
    """Links to the task and what it produced, absolute when `PUBLIC_URL` is set."""
    base = (current_app.config["PUBLIC_URL"] or "").rstrip("/")
    task_url = f"{base}/api/tasks/{task['taskId']}"
    links: dict[str, Any] = {"self": task_url, "pages": f"{task_url}/pages"}
    if task["status"] == TaskStatus.COMPLETED:
        links["results"] = {name: f"{task_url}/result?format={name}" for name in RESULT_FORMATS}
    return links


def event_body(event_type: EventType, task: dict[str, Any], page: dict | None = None) -> str:
    """The JSON body of an event: its type, when it happened, and the task with links."""
    data = task | {"links": task_links(task)}
    if page is not None:  # beside the task's own `page`, the one it is reading now
        data["completedPage"] = page | {"link": f"{data['links']['self']}/pages/{page['number']}"}
    body = {"type": str(event_type), "timestamp": timestamp(utcnow()), "data": data}
    return json.dumps(body, separators=(",", ":"))


def subscribed_endpoints(session, user_id: int, event_type: EventType) -> list[WebhookEndpoint]:
    """The user's enabled endpoints that asked for `event_type`."""
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.user_id == user_id, WebhookEndpoint.enabled.is_(True)
        )
    )
    return [endpoint for endpoint in endpoints if event_type in endpoint.events]


def add_deliveries(
    session,
    endpoints: list[WebhookEndpoint],
    event_type: EventType,
    task: dict[str, Any],
    page: dict | None = None,
) -> list[str]:
    """Add a delivery of the event to each of `endpoints`; return their ids.

    In the caller's transaction: the event is kept exactly when the change it tells of
    is. Each delivery is handed to the webhooks queue once that transaction commits.
    """
    if not endpoints:
        return []
    body, now = event_body(event_type, task, page), utcnow()
    retry_until = now + timedelta(seconds=current_app.config["WEBHOOK_RETRY_SECONDS"])
    deliveries = [
        WebhookDelivery(
            id=new_message_id(),
            endpoint_id=endpoint.id,
            event_type=str(event_type),
            task_id=task["taskId"],
            body=body,
            status=DeliveryStatus.PENDING,
            attempt_count=0,
            next_attempt_at=now + DISPATCH_LEASE,
            retry_until=retry_until,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    session.add_all(deliveries)
    send_after_commit(session, [(delivery.id, 0) for delivery in deliveries])
    return [delivery.id for delivery in deliveries]


def record_status_event(session, user_id: int, task: dict[str, Any]) -> None:
    """Record the event of a task that just reached a final status."""
    event_type = FINAL_EVENTS.get(TaskStatus(task["status"]))
    if event_type is not None:
        endpoints = subscribed_endpoints(session, user_id, event_type)
        add_deliveries(session, endpoints, event_type, task)


def record_page_event(session, task: Task, page: TaskPage) -> None:
    """Record the `page.completed` event of a page just stored."""
    endpoints = subscribed_endpoints(session, task.user_id, EventType.PAGE_COMPLETED)
    if not endpoints:
        return  # most users have none: the task's view is not worth making
    summary = {
        "number": page.number,
        "wordCount": page.word_count,
        "confidence": page.confidence_score,
        "source": page.source,
        "rotation": page.rotation,
        "skew": page.skew,
    }
    view = TaskView.of(session, task, in_line=False).as_json()
    add_deliveries(session, endpoints, EventType.PAGE_COMPLETED, view, summary)


# The pages a session has inserted and whose events wait for its commit.
NEW_PAGES = "ocrapp.new_pages"


@event.listens_for(Session, "before_flush")
def note_new_pages(session, _context, _instances) -> None:
    """Note each page row about to be inserted, for its event at commit.

    Whichever code stores a page (a whole file's task or a range of one), the event is
    kept exactly when the page is; a page stored again by a retry is an update: no event.
    """
    pages = [row for row in session.new if isinstance(row, TaskPage)]
    if pages and has_app_context():
        session.info.setdefault(NEW_PAGES, []).extend(pages)


@event.listens_for(Session, "before_commit")
def record_new_pages(session) -> None:
    """Record `page.completed` for each page noted, in its transaction: with the task as it
    is committed (a split task's progress counts the page, which it does after the insert)."""
    session.flush()  # what is still pending: commit flushes only after this hook
    pages = session.info.pop(NEW_PAGES, [])
    with session.no_autoflush:
        for page in pages:
            task = session.get(Task, page.task_id)
            if task is not None:
                record_page_event(session, task, page)


@event.listens_for(Session, "after_rollback")
def forget_new_pages(session) -> None:
    """Forget the pages noted in a transaction rolled back: they were not kept."""
    session.info.pop(NEW_PAGES, None)
