"""The webhooks API: endpoints made, shown, changed, rotated and deleted by their owner only."""

import pytest
from sqlalchemy import select

from ocrapp.core.db import db
from ocrapp.core.models import DeliveryStatus, WebhookDelivery
from ocrapp.webhooks.delivery import claim, lease, record_outcome
from ocrapp.webhooks.events import EventType, add_deliveries, subscribed_endpoints
from ocrapp.webhooks.transport import Outcome
from tests.conftest import on_both_databases
from tests.helpers import auth
from tests.webhook_receiver import Receiver

EVENTS = ["task.completed", "task.failed"]


@pytest.fixture
def allowed(app):
    """Loopback receivers over http allowed, as the tests' receivers need."""
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
    return app


def make_webhook(client, token: str, url: str = "http://127.0.0.1:9/hooks", **fields) -> dict:
    body = {"url": url, "events": EVENTS, "description": "mine"} | fields
    response = client.post("/api/webhooks", headers=auth(token), json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@on_both_databases
def test_an_endpoint_is_made_with_a_secret_shown_once_then_listed_without_it(
    allowed, client, make_user
):
    _, token = make_user()
    made = make_webhook(client, token, events=["task.completed", "task.completed"])
    assert made["secret"].startswith("whsec_")
    assert (
        made["events"] == ["task.completed"] and made["enabled"] and made["description"] == "mine"
    )
    listed = client.get("/api/webhooks", headers=auth(token)).get_json()["webhooks"]
    assert [webhook["id"] for webhook in listed] == [made["id"]]
    shown = client.get(f"/api/webhooks/{made['id']}", headers=auth(token)).get_json()
    assert "secret" not in shown and "secret" not in listed[0]
    assert shown == {key: value for key, value in made.items() if key != "secret"}


@on_both_databases
def test_other_users_get_404_for_every_operation(allowed, client, make_user):
    _, owner = make_user()
    _, other = make_user()
    webhook = make_webhook(client, owner)
    one = f"/api/webhooks/{webhook['id']}"
    for method, path in [
        ("get", one),
        ("patch", one),
        ("delete", one),
        ("post", f"{one}/rotate-secret"),
        ("get", f"{one}/deliveries"),
        ("post", f"{one}/deliveries/msg_x/redeliver"),
    ]:
        kwargs = {"json": {}} if method == "patch" else {}
        response = getattr(client, method)(path, headers=auth(other), **kwargs)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "webhook_not_found"
    assert client.get("/api/webhooks", headers=auth(other)).get_json() == {"webhooks": []}


@on_both_databases
def test_private_and_plain_http_urls_are_refused_with_the_reason(app, client, make_user):
    _, token = make_user()
    for url, why in [
        ("http://93.184.216.34/hooks", "https://"),
        ("https://127.0.0.1/hooks", "not a public address"),
        ("https://169.254.169.254/latest/meta-data/", "not a public address"),
        ("https://[::1]:8443/hooks", "not a public address"),
    ]:
        response = client.post(
            "/api/webhooks", headers=auth(token), json={"url": url, "events": EVENTS}
        )
        assert response.status_code == 422, url
        error = response.get_json()["error"]
        assert error["code"] == "webhook_url_refused" and why in error["message"]
    response = client.post(
        "/api/webhooks", headers=auth(token), json={"url": "https://a.example", "events": []}
    )
    assert response.status_code == 400
    response = client.post(
        "/api/webhooks", headers=auth(token), json={"url": "https://a.example", "events": ["x"]}
    )
    assert response.status_code == 400


@on_both_databases
def test_patch_changes_checks_the_new_url_and_enables_again(allowed, client, make_user):
    _, token = make_user()
    webhook = make_webhook(client, token)
    one = f"/api/webhooks/{webhook['id']}"
    changed = client.patch(
        one, headers=auth(token), json={"events": ["page.completed"], "description": "new"}
    ).get_json()
    assert changed["events"] == ["page.completed"] and changed["description"] == "new"
    allowed.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = False
    refused = client.patch(one, headers=auth(token), json={"url": "http://10.0.0.1/"})
    assert refused.get_json()["error"]["code"] == "webhook_url_refused"
    off = client.patch(one, headers=auth(token), json={"enabled": False}).get_json()
    assert off["enabled"] is False
    on = client.patch(one, headers=auth(token), json={"enabled": True}).get_json()
    assert on["enabled"] is True and on["disabledReason"] is None
    vague = client.patch(one, headers=auth(token), json={"enabled": "yes"})
    assert vague.status_code == 400, "a string is not taken for true"


@on_both_databases
def test_rotation_returns_the_new_secret_once_and_delete_removes_the_endpoint(
    allowed, client, make_user
):
    _, token = make_user()
    webhook = make_webhook(client, token)
    one = f"/api/webhooks/{webhook['id']}"
    rotated = client.post(f"{one}/rotate-secret", headers=auth(token)).get_json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != webhook["secret"]
    shown = client.get(one, headers=auth(token)).get_json()
    assert shown["previousSecretExpiresAt"] == rotated["previousSecretExpiresAt"]
    assert client.delete(one, headers=auth(token)).status_code == 204
    assert client.get(one, headers=auth(token)).status_code == 404


def test_deliveries_are_listed_with_their_attempts_and_sent_again(allowed, client, make_user):
    user_id, token = make_user()
    allowed.config["WEBHOOK_QUEUE"] = "webhooks-api-test"
    with Receiver([(503, {})]) as receiver:
        webhook = make_webhook(client, token, receiver.url)
        one = f"/api/webhooks/{webhook['id']}"
        with allowed.app_context(), db.session() as session:
            [endpoint] = subscribed_endpoints(session, user_id, EventType.TASK_COMPLETED)
            task = {"taskId": "00000000-0000-0000-0000-000000000002", "status": "completed"}
            [delivery_id] = add_deliveries(session, [endpoint], EventType.TASK_COMPLETED, task)
        from ocrapp.webhooks.delivery import deliver

        with allowed.app_context():
            deliver(delivery_id, 0)
            allowed.config["WEBHOOK_RETRY_SECONDS"] = 0
            with db.session() as session:
                session.get(WebhookDelivery, delivery_id).status = DeliveryStatus.FAILED
        [listed] = client.get(f"{one}/deliveries", headers=auth(token)).get_json()["deliveries"]
        assert listed["id"] == delivery_id and listed["status"] == "failed"
        assert listed["eventType"] == "task.completed" and listed["attemptCount"] == 1
        [attempt] = listed["attempts"]
        assert attempt["statusCode"] == 503 and attempt["durationMs"] >= 0
        again = client.post(f"{one}/deliveries/{delivery_id}/redeliver", headers=auth(token))
        assert again.status_code == 202 and again.get_json()["status"] == "pending"
        with allowed.app_context():
            deliver(delivery_id, 1)
        assert [r.headers["webhook-id"] for r in receiver.wait_for(2)] == [delivery_id] * 2
    with allowed.app_context(), db.session() as session:
        assert session.scalar(select(WebhookDelivery.status)) == "delivered"
    missing = client.post(f"{one}/deliveries/msg_nope/redeliver", headers=auth(token))
    assert missing.get_json()["error"]["code"] == "delivery_not_found"


def test_a_delivery_is_not_sent_again_while_a_try_of_it_is_under_way(allowed, client, make_user):
    user_id, token = make_user()
    allowed.config["WEBHOOK_QUEUE"] = "webhooks-api-in-flight-test"
    webhook = make_webhook(client, token)
    redeliver = f"/api/webhooks/{webhook['id']}/deliveries/{{}}/redeliver"
    with allowed.app_context():
        with db.session() as session:
            [endpoint] = subscribed_endpoints(session, user_id, EventType.TASK_COMPLETED)
            task = {"taskId": "00000000-0000-0000-0000-000000000003", "status": "completed"}
            [delivery_id] = add_deliveries(session, [endpoint], EventType.TASK_COMPLETED, task)
        claimed = claim(delivery_id, 0)  # a worker took the first try and is posting it
    refused = client.post(redeliver.format(delivery_id), headers=auth(token))
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "delivery_in_flight"
    assert 1 <= int(refused.headers["Retry-After"]) <= allowed.config["WEBHOOK_TIMEOUT"]
    with allowed.app_context():
        record_outcome(claimed, Outcome(status_code=503, duration_ms=5))
    again = client.post(redeliver.format(delivery_id), headers=auth(token))
    assert again.status_code == 202 and again.get_json()["attemptCount"] == 1


def test_a_try_whose_worker_was_lost_does_not_hold_back_a_redelivery(allowed, client, make_user):
    user_id, token = make_user()
    allowed.config["WEBHOOK_QUEUE"] = "webhooks-api-in-flight-test"
    webhook = make_webhook(client, token)
    with allowed.app_context():
        with db.session() as session:
            [endpoint] = subscribed_endpoints(session, user_id, EventType.TASK_COMPLETED)
            task = {"taskId": "00000000-0000-0000-0000-000000000004", "status": "completed"}
            [delivery_id] = add_deliveries(session, [endpoint], EventType.TASK_COMPLETED, task)
        claim(delivery_id, 0)
        with db.session() as session:  # taken longer ago than its lease: its worker is lost
            row = session.get(WebhookDelivery, delivery_id)
            row.claimed_at = row.claimed_at - lease(allowed.config)
    path = f"/api/webhooks/{webhook['id']}/deliveries/{delivery_id}/redeliver"
    assert client.post(path, headers=auth(token)).status_code == 202
