"""The webhook tasks, on the webhooks queue: send one delivery, sweep those that are due."""

from celery import shared_task

from ocrapp.core.jobs import WEBHOOK_SEND_TASK_NAME, WEBHOOK_SWEEP_TASK_NAME
from ocrapp.webhooks.delivery import deliver, dispatch_due


@shared_task(name=WEBHOOK_SEND_TASK_NAME, ignore_result=True, acks_late=False)
def send_webhook(delivery_id: str, attempt_count: int) -> None:
    """Try the delivery once; a failed try is retried by the sweep, after its backoff."""
    deliver(delivery_id, attempt_count)


@shared_task(name=WEBHOOK_SWEEP_TASK_NAME, ignore_result=True, acks_late=False)
def sweep_webhooks() -> None:
    """Hand the due deliveries to the webhooks queue."""
    dispatch_due()
