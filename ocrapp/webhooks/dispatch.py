"""Hand deliveries to the webhooks queue, after the transaction that made them commits."""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import event

from ocrapp.core.broker import broker_task_ids
from ocrapp.core.jobs import WEBHOOK_SEND_TASK_NAME

log = logging.getLogger(__name__)

# A delivery handed to the queue is not due again for this long: if its message is lost
# (a broker that restarted empty), the sweep hands it over again then; one still waiting
# in a queue slower than that is left to come (`held_messages`).
DISPATCH_LEASE = timedelta(seconds=60)
_PENDING = "webhook_deliveries"


def message_id(delivery_id: str, attempt_count: int) -> str:
    """Return the id of the message that tries `delivery_id` after `attempt_count` tries."""
    return f"{delivery_id}:{attempt_count}"


def send_message(message: str) -> bool:
    """Send again the message whose id is `message` (`message_id`'s)."""
    delivery_id, _, attempt_count = message.rpartition(":")
    return send_delivery(delivery_id, int(attempt_count))


def held_messages() -> set[str] | None:
    """Return the ids of the webhook messages waiting in the broker; None if it cannot say
    (not Redis).

    Not those a worker took and has not started: a worker killed with them leaves them
    `unacked` until the broker's visibility timeout (a day), and the sweep must send them
    again after the lease. A live worker's then runs as a no-op (its try count is behind).
    """
    return broker_task_ids([current_app.config["WEBHOOK_QUEUE"]], taken=False)


def send_delivery(delivery_id: str, attempt_count: int) -> bool:
    """Send the message that tries `delivery_id` once more; False, logged, if it was not taken.

    `attempt_count` is the tries made so far: a message that comes late, after another
    took the delivery, finds a higher count and does nothing.
    """
    try:
        current_app.extensions["celery"].send_task(
            WEBHOOK_SEND_TASK_NAME,
            args=[delivery_id, attempt_count],
            task_id=message_id(delivery_id, attempt_count),
            queue=current_app.config["WEBHOOK_QUEUE"],
        )
    except Exception as error:  # kombu raises several kinds when the broker is away
        log.warning("webhook delivery %s: the broker did not take it: %r", delivery_id, error)
        return False
    return True


def send_after_commit(session, deliveries: list[tuple[str, int]]) -> None:
    """Send `deliveries` (id, tries so far) once `session` commits; none if it rolls back."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _send_pending, once=True)
        event.listen(session, "after_rollback", _forget_pending, once=True)
    pending.extend(deliveries)


def _send_pending(session) -> None:
    for delivery_id, attempt_count in session.info.pop(_PENDING, []):
        send_delivery(delivery_id, attempt_count)


def _forget_pending(session) -> None:
    session.info.pop(_PENDING, None)
