"""Tokens, admins, and one authorisation rule over every route."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from ocrapp import create_app
from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, utcnow
from ocrapp.webhooks.endpoints import create_endpoint
from ocrapp.webhooks.events import EventType, add_deliveries
from tests.conftest import on_both_databases
from tests.factories import queued_task
from tests.helpers import HANDSHAKE, auth

PUBLIC = {"/healthz", "/readyz", "/metrics", "/static/<path:filename>"}
# The API's reference holds no data: see tests/web/test_openapi.py.
PUBLIC |= {"/openapi.json", "/docs", "/docs/assets/<path:filename>"}
# The web app's pages go by the session cookie, not a token: see tests/webapp/.
WEB_APP = "webapp."


@on_both_databases
def test_a_token_made_over_the_api_works_is_listed_without_its_secret_and_can_be_revoked(
    client, make_user
):
    _, first = make_user()
    made = client.post("/api/tokens", headers=auth(first), json={"name": "laptop"})
    assert made.status_code == 201
    second = made.get_json()["token"]
    assert second.startswith(made.get_json()["prefix"]) and len(second) > 50
    listed = client.get("/api/tokens", headers=auth(second)).get_json()["tokens"]
    assert [t["name"] for t in listed] == ["laptop", "first token"]
    assert all(second not in str(t) and first not in str(t) for t in listed)
    assert listed[0]["current"] is True
    revoked = client.delete(f"/api/tokens/{listed[0]['id']}", headers=auth(first))
    assert revoked.get_json()["live"] is False
    refused = client.get("/api/tasks", headers=auth(second))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["error"]["message"]
    assert client.get("/api/tasks", headers=auth(first)).status_code == 200


@on_both_databases
def test_an_expired_token_is_refused(client, make_user):
    _, token = make_user()
    set_token(token, expires_at=utcnow() - timedelta(seconds=1))
    assert client.get("/api/tasks", headers=auth(token)).status_code == 401


@on_both_databases
@pytest.mark.parametrize("body", [None, [], {"name": ""}, {"name": "x", "expiresInDays": 0}])
def test_bad_token_requests_are_400(client, make_user, body):
    _, token = make_user()
    response = client.post("/api/tokens", headers=auth(token), json=body)
    assert response.status_code == 400


@on_both_databases
def test_only_admins_see_everyone(client, make_user):
    _, admin = make_user(admin=True)
    alice_id, alice = make_user()
    queued_task(alice_id)
    users = client.get("/api/admin/users", headers=auth(admin)).get_json()["users"]
    assert {"id": alice_id, "tasks": 1} in [{"id": u["id"], "tasks": u["tasks"]} for u in users]
    assert client.get("/api/admin/tasks", headers=auth(admin)).get_json()["total"] == 1
    for path in ("/api/admin/users", "/api/admin/tasks"):
        assert client.get(path, headers=auth(alice)).status_code == 404


def routes(app):
    """Every route but the public ones, the WebSocket included, with each of its methods."""
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC or rule.endpoint.startswith(WEB_APP):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def owned_webhook(app, user_id: int, task_id: str) -> tuple[str, str]:
    """Give the user a webhook endpoint with one delivery; return both ids."""
    app.config.update(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
    with app.app_context(), db.session() as session:
        endpoint = create_endpoint(
            session, user_id, "http://127.0.0.1:9/hook", ["task.completed"], "", app.config
        )
        task = {"taskId": task_id, "status": "completed"}
        [delivery_id] = add_deliveries(session, [endpoint], EventType.TASK_COMPLETED, task)
        return endpoint.id, delivery_id


def set_token(token: str, **values) -> None:
    """Change the stored row of `token`."""
    with db.session() as session:
        session.execute(update(ApiToken).where(ApiToken.prefix == token[:12]).values(**values))


def test_every_route_refuses_a_missing_revoked_or_expired_token_and_other_users_data(
    app, client, make_user
):
    owner_id, owner = make_user()
    _, stranger = make_user()
    _, admin = make_user(admin=True)
    _, revoked = make_user()
    _, expired = make_user()
    set_token(revoked, revoked_at=utcnow())
    set_token(expired, expires_at=utcnow() - timedelta(days=1))
    task_id = queued_task(owner_id)
    with db.session() as session:
        owner_token = session.query(ApiToken.id).filter_by(user_id=owner_id).scalar()
    webhook_id, delivery_id = owned_webhook(app, owner_id, task_id)
    values = {"task_id": task_id, "token_id": owner_token, "number": 1}  # number: a page
    values |= {"webhook_id": webhook_id, "delivery_id": delivery_id}
    walked = 0
    for rule, method in routes(app):
        path = rule.build({name: values[name] for name in rule.arguments})[1]
        for caller in (None, revoked, expired):
            if caller is None and rule.websocket:
                continue  # it may send its token as a first message: see test_sockets.py
            upgrade = HANDSHAKE if rule.websocket else {}
            headers = {**upgrade, **(auth(caller) if caller else {})}
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 401, (method, path, caller)
            if rule.websocket:  # browsers send the token in the query string
                assert client.get(f"{path}?token={caller}", headers=upgrade).status_code == 401
        # Someone else's task or token, even for an admin: as if it did not exist.
        body = {"json": {}} if method in {"PATCH", "POST"} else {}  # a valid change: none
        for caller in (stranger, admin) if rule.arguments else ():
            response = client.open(path, method=method, headers=auth(caller), **body)
            assert response.status_code == 404, (method, path)
        walked += 1
    assert walked >= 14
    assert client.get(f"/api/tasks/{task_id}", headers=auth(owner)).status_code == 200


def test_every_answer_carries_the_security_headers(client):
    response = client.get("/nowhere")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_cors_is_closed_unless_an_origin_is_configured(client, make_user):
    _, token = make_user()
    headers = {**auth(token), "Origin": "https://evil.example"}
    assert "Access-Control-Allow-Origin" not in client.get("/api/tasks", headers=headers).headers


def test_cors_allows_a_configured_origin_only(app, make_user):
    allowed = create_app({**app.config, "CORS_ORIGINS": ["https://app.example"]}).test_client()
    _, token = make_user()
    good = allowed.get("/api/tasks", headers={**auth(token), "Origin": "https://app.example"})
    assert good.headers["Access-Control-Allow-Origin"] == "https://app.example"
    bad = allowed.get("/api/tasks", headers={**auth(token), "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in bad.headers
    preflight = allowed.options(
        "/api/tasks",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
