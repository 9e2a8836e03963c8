"""A web process remembers the tokens it verified for a few seconds, and no longer than
their revocation allows."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from ocrapp.core import tokens, verified_tokens
from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, utcnow
from tests.helpers import auth
from tests.web.test_tokens import make_token


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(verified_tokens, "time", clock)
    return clock


def revoke_in_the_database(user_id: int) -> None:
    """Revoke the user's tokens as another process (the CLI, another web process) would."""
    with db.session() as session:
        session.execute(
            update(ApiToken).where(ApiToken.user_id == user_id).values(revoked_at=utcnow())
        )


def test_a_token_revoked_elsewhere_passes_for_at_most_verified_seconds(
    app, client, make_user, clock
):
    user_id, token = make_user()
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200
    revoke_in_the_database(user_id)
    clock.now += app.config["VERIFIED_TOKEN_SECONDS"] - 0.1
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200  # remembered
    clock.now += 0.2
    refused = client.get("/api/tasks", headers=auth(token))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["error"]["message"]


def test_a_token_revoked_over_the_api_is_refused_at_once(client, make_user, clock):
    _, first = make_user()
    second = make_token(client, first, "second")
    assert client.get("/api/tasks", headers=auth(second["token"])).status_code == 200
    assert client.delete(f"/api/tokens/{second['id']}", headers=auth(first)).status_code == 200
    assert client.get("/api/tasks", headers=auth(second["token"])).status_code == 401
    assert client.get("/api/tasks", headers=auth(first)).status_code == 200


def test_a_remembered_token_is_refused_once_it_expires(client, make_user, clock, monkeypatch):
    user_id, token = make_user()
    with db.session() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id)
            .values(expires_at=utcnow() + timedelta(hours=1))
        )
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200
    later = utcnow() + timedelta(hours=1, seconds=1)
    for module in (verified_tokens, tokens):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    assert client.get("/api/tasks", headers=auth(token)).status_code == 401


def test_with_no_verified_seconds_a_revocation_elsewhere_counts_at_once(app, client, make_user):
    app.config["VERIFIED_TOKEN_SECONDS"] = 0
    user_id, token = make_user()
    assert client.get("/api/tasks", headers=auth(token)).status_code == 200
    revoke_in_the_database(user_id)
    assert client.get("/api/tasks", headers=auth(token)).status_code == 401
