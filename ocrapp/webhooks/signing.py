"""Webhook secrets and signatures, as the Standard Webhooks specification defines them."""

import base64
import secrets
from datetime import datetime, timedelta

from standardwebhooks import Webhook

from ocrapp.core.models import WebhookEndpoint, as_utc

SECRET_PREFIX = "whsec_"
# After a rotation the old secret signs alongside the new one this long, so that
# receivers can switch over without refusing a delivery.
ROTATION_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    """Return a new signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def rotate_secret(endpoint: WebhookEndpoint, now: datetime) -> str:
    """Give `endpoint` a new secret; the current one keeps signing for `ROTATION_OVERLAP`."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    return endpoint.secret


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """Return the secrets that sign a delivery now: the current one, and a rotated one."""
    previous, until = endpoint.previous_secret, as_utc(endpoint.previous_secret_expires_at)
    return [endpoint.secret] + ([previous] if previous and until and until > now else [])


def signed_headers(
    message_id: str, body: str, signing: list[str], moment: datetime
) -> dict[str, str]:
    """Return the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.

    Each secret gives one `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated.
    """
    signatures = [Webhook(secret).sign(message_id, moment, body) for secret in signing]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
