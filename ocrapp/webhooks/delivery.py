"""Sending deliveries: claim one, sign it, POST it, record the try, retry or give up."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from ocrapp.core.db import db
from ocrapp.core.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    as_utc,
    utcnow,
)
from ocrapp.webhooks.dispatch import (
    DISPATCH_LEASE,
    held_messages,
    message_id,
    send_delivery,
    send_message,
)
from ocrapp.webhooks.retries import next_delay, retry_after_seconds, should_retry
from ocrapp.webhooks.signing import signed_headers, signing_secrets
from ocrapp.webhooks.transport import Outcome, post
from ocrapp.webhooks.turns import users_turn

log = logging.getLogger(__name__)
# Deliveries the sweep hands over at once; the rest wait for its next round.
SWEEP_BATCH = 500
GONE = 410
NOT_SENT_DISABLED = "Not sent: the endpoint is disabled."


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for one try: what to send, where, signed with what."""

    id: str
    attempt: int
    url: str
    body: str
    secrets: list[str]


def lease(config) -> timedelta:
    """How long a claimed delivery is not due again: longer than a try can take."""
    return timedelta(seconds=config["WEBHOOK_TIMEOUT"]) + DISPATCH_LEASE


def claim(delivery_id: str, attempt_count: int) -> Claimed | None:
    """Take the delivery for one try, unless another took it since `attempt_count` tries.

    One conditional UPDATE decides, on PostgreSQL and SQLite alike: of two messages for
    the same try, one finds the count already raised and does nothing.
    """
    now = utcnow()
    with db.session() as session:
        taken = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.attempt_count == attempt_count,
            )
            .values(
                attempt_count=attempt_count + 1,
                next_attempt_at=now + lease(current_app.config),
                claimed_at=now,
            )
        ).rowcount
        if not taken:
            return None
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        if not endpoint.enabled:
            # Counted as a try, listed as one: the delivery log says why it stopped.
            delivery.attempts.append(
                WebhookAttempt(attempted_at=now, duration_ms=0, error=NOT_SENT_DISABLED)
            )
            give_up(delivery, now)
            return None
        secrets = signing_secrets(endpoint, now)
        return Claimed(delivery.id, attempt_count + 1, endpoint.url, delivery.body, secrets)


def delivery_owner(delivery_id: str) -> int | None:
    """The user whose endpoint the delivery goes to (None: it is gone)."""
    with db.autocommit() as session:
        return session.scalar(
            select(WebhookEndpoint.user_id)
            .join(WebhookDelivery, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
            .where(WebhookDelivery.id == delivery_id)
        )


def give_up(delivery: WebhookDelivery, now: datetime) -> None:
    """Stop trying `delivery`."""
    delivery.status, delivery.finished_at, delivery.next_attempt_at = (
        DeliveryStatus.FAILED,
        now,
        None,
    )
    delivery.claimed_at = None


def try_ends_at(delivery: WebhookDelivery, now: datetime, config) -> datetime | None:
    """Return when the try under way of `delivery` ends (`WEBHOOK_TIMEOUT` after it was
    taken); None if none is, or if its worker was lost (its lease is over)."""
    claimed_at = as_utc(delivery.claimed_at)
    if delivery.status != DeliveryStatus.PENDING or claimed_at is None:
        return None
    if claimed_at + lease(config) <= now:
        return None
    return claimed_at + timedelta(seconds=config["WEBHOOK_TIMEOUT"])


def deliver(delivery_id: str, attempt_count: int) -> Outcome | None:
    """Try the delivery once, if it is still this try's to make, and record how it went;
    or, when its user has `WEBHOOK_USER_CONCURRENCY` tries under way, wait in their line
    (sent again as one of them ends)."""
    config = current_app.config
    owner = delivery_owner(delivery_id)
    if owner is None:
        return None
    message = message_id(delivery_id, attempt_count)
    with users_turn(config, owner, message, send_message) as turn:
        if not turn:
            return None
        claimed = claim(delivery_id, attempt_count)
        if claimed is None:
            return None
        headers = signed_headers(claimed.id, claimed.body, claimed.secrets, utcnow())
        outcome = post(claimed.url, headers, claimed.body, config)
    record_outcome(claimed, outcome)
    log.info(
        "webhook delivery %s: try %d: %s %s",
        claimed.id,
        claimed.attempt,
        outcome.status_code,
        outcome.error or "",
    )
    return outcome


def record_outcome(claimed: Claimed, outcome: Outcome) -> None:
    """Record a try; then the delivery is done, due again later, or given up."""
    now, config = utcnow(), current_app.config
    with db.session() as session:
        delivery = session.get(WebhookDelivery, claimed.id, with_for_update=True)
        if delivery is None:
            return  # forgotten, or its endpoint deleted, while it was being sent
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
        delivery.attempts.append(
            WebhookAttempt(
                attempted_at=now,
                status_code=outcome.status_code,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
            )
        )
        if delivery.attempt_count == claimed.attempt:  # not a later try's claim
            delivery.claimed_at = None
        if outcome.delivered:
            delivery.status, delivery.finished_at = DeliveryStatus.DELIVERED, now
            delivery.next_attempt_at, endpoint.failing_since = None, None
            return
        note_failure(endpoint, outcome.status_code, now, config, last_try_at(session, endpoint))
        retry_after = retry_after_seconds(outcome.retry_after, now)
        delay = next_delay(
            tries_in_window(delivery, config),
            retry_after,
            config["WEBHOOK_BACKOFF"],
            config["WEBHOOK_BACKOFF_MAX"],
        )
        due = now + timedelta(seconds=delay)
        if should_retry(outcome.status_code) and due <= as_utc(delivery.retry_until):
            delivery.next_attempt_at = due
        else:
            give_up(delivery, now)


def tries_in_window(delivery: WebhookDelivery, config) -> int:
    """The tries since the delivery's retries began: at its event, or when redelivered.

    The backoff counts from these, so a redelivery is retried as a new delivery would be.
    """
    opened = as_utc(delivery.retry_until) - timedelta(seconds=config["WEBHOOK_RETRY_SECONDS"])
    return sum(as_utc(attempt.attempted_at) >= opened for attempt in delivery.attempts)


def last_try_at(session, endpoint: WebhookEndpoint) -> datetime | None:
    """When the endpoint was last tried before the try being recorded, if ever."""
    with session.no_autoflush:  # the try being recorded is not flushed yet: not counted
        return session.scalar(
            select(func.max(WebhookAttempt.attempted_at))
            .join(WebhookDelivery, WebhookAttempt.delivery_id == WebhookDelivery.id)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
        )


def note_failure(
    endpoint: WebhookEndpoint,
    status_code: int | None,
    now: datetime,
    config,
    previous_try: datetime | None,
) -> None:
    """Remember since when the endpoint fails; disable it once that is too long, or on 410.

    Failing means failing every try without a pause: while a delivery waits for its retry,
    the endpoint is tried every `WEBHOOK_BACKOFF_MAX` seconds at least. After a longer
    silence (no event to send) a failure starts the count again: one 400 on Monday and one
    503 on Saturday are not five days of failures.
    """
    quiet = timedelta(seconds=2 * config["WEBHOOK_BACKOFF_MAX"])
    if previous_try is None or now - as_utc(previous_try) > quiet:
        endpoint.failing_since = None
    endpoint.failing_since = as_utc(endpoint.failing_since) or now
    failing_for = now - endpoint.failing_since
    if not endpoint.enabled:
        return
    if status_code == GONE:  # the Standard Webhooks way to say: send no more
        disable(endpoint, "The receiver answered 410 Gone: it wants no more deliveries.")
    elif failing_for >= timedelta(seconds=config["WEBHOOK_DISABLE_AFTER"]):
        disable(
            endpoint,
            f"Every delivery failed for {failing_for.days} days and "
            f"{failing_for.seconds // 3600} hours, since {endpoint.failing_since:%Y-%m-%d %H:%M} "
            "UTC.",
        )


def disable(endpoint: WebhookEndpoint, why: str) -> None:
    """Stop sending to `endpoint`, saying why and how to turn it back on."""
    endpoint.enabled = False
    endpoint.disabled_reason = f"{why} Enable it again with PATCH when the receiver works."
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, why)


def dispatch_due() -> int:
    """Hand every due delivery to the webhooks queue: retries, and any whose message was lost.

    Each is not due again for `DISPATCH_LEASE`: the try it is sent for pushes it further.
    One whose message the broker still holds (a queue slower than the lease) is not sent
    again: that message makes the try, and the delivery is looked at again a lease later.
    """
    now = utcnow()
    with db.session() as session:
        due = session.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempt_count)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if due:
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_([delivery_id for delivery_id, _ in due]))
                .values(next_attempt_at=now + DISPATCH_LEASE)
            )
    held = (held_messages() if due else None) or set()
    return sum(
        send_delivery(delivery_id, count)
        for delivery_id, count in due
        if message_id(delivery_id, count) not in held
    )


def forget_old_deliveries() -> int:
    """Delete the deliveries (and their attempts) older than `WEBHOOK_DELIVERY_DAYS`."""
    cutoff = utcnow() - timedelta(days=current_app.config["WEBHOOK_DELIVERY_DAYS"])
    with db.session() as session:
        old = select(WebhookDelivery.id).where(WebhookDelivery.created_at < cutoff)
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(old)))
        return session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.created_at < cutoff)
        ).rowcount
