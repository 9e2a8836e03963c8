"""A user's webhook endpoints: made, changed and sent again, each URL checked when saved."""

from datetime import timedelta

from ocrapp.core.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    new_id,
    utcnow,
)
from ocrapp.webhooks.addresses import checked_target
from ocrapp.webhooks.dispatch import DISPATCH_LEASE, send_after_commit
from ocrapp.webhooks.signing import new_secret


def unique(events: list[str]) -> list[str]:
    """The events, each once, in the order given."""
    return [str(event) for event in dict.fromkeys(events)]


def create_endpoint(
    session, user_id: int, url: str, events: list[str], description: str, config
) -> WebhookEndpoint:
    """Add an endpoint with a new secret, once its URL passes the address checks."""
    checked_target(url, config)
    now = utcnow()
    endpoint = WebhookEndpoint(
        id=new_id(),
        user_id=user_id,
        url=url,
        events=unique(events),
        description=description,
        secret=new_secret(),
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def change_endpoint(endpoint: WebhookEndpoint, changes: dict, config) -> None:
    """Apply `changes` (url, events, description, enabled); enabling forgets past failures."""
    if changes.get("url") is not None:
        checked_target(changes["url"], config)
        endpoint.url = changes["url"]
    if changes.get("events") is not None:
        endpoint.events = unique(changes["events"])
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("enabled") is not None:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            endpoint.disabled_reason, endpoint.failing_since = None, None
    endpoint.updated_at = utcnow()


def redeliver(session, delivery: WebhookDelivery, config) -> None:
    """Try `delivery` again, with the same `webhook-id`, and retries for a new window."""
    now = utcnow()
    delivery.status, delivery.finished_at = DeliveryStatus.PENDING, None
    delivery.next_attempt_at = now + DISPATCH_LEASE
    delivery.retry_until = now + timedelta(seconds=config["WEBHOOK_RETRY_SECONDS"])
    send_after_commit(session, [(delivery.id, delivery.attempt_count)])
