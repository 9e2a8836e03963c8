"""Signatures as the Standard Webhooks specification defines them, checked by its library."""

import json
from datetime import timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ocrapp.core.models import WebhookEndpoint, utcnow
from ocrapp.webhooks.signing import new_secret, rotate_secret, signed_headers, signing_secrets

BODY = json.dumps({"type": "task.completed", "data": {"taskId": "t1"}})


def test_a_secret_is_whsec_and_base64_of_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret) == 6 + 44 and secret != new_secret()


def test_the_reference_library_verifies_a_signed_delivery():
    secret, now = new_secret(), utcnow()
    headers = signed_headers("msg_1", BODY, [secret], now)
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("t1", "t2"), headers)


def test_after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one():
    endpoint, now = WebhookEndpoint(secret=new_secret()), utcnow()
    old = endpoint.secret
    new = rotate_secret(endpoint, now)
    signing = signing_secrets(endpoint, now + timedelta(hours=23))
    assert signing == [new, old]
    headers = signed_headers("msg_2", BODY, signing, utcnow())
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver still on the old secret accepts it too
        Webhook(secret).verify(BODY, headers)
    assert signing_secrets(endpoint, now + timedelta(hours=24, seconds=1)) == [new]
