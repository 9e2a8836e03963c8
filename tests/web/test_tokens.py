"""Tokens made by tokens: their parents, revoked with them, and how many a user may have."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo

from ocrapp.cli import cli
from ocrapp.core.db import db
from ocrapp.core.models import ApiToken, utcnow
from tests.conftest import on_both_databases
from tests.helpers import auth


def make_token(client, token: str, name: str) -> dict:
    """Make a token over the API with `token`; return the answer's JSON."""
    response = client.post("/api/tokens", headers=auth(token), json={"name": name})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def live_names(client, token: str) -> set[str]:
    """The names of the live tokens of `token`'s user."""
    listed = client.get("/api/tokens", headers=auth(token)).get_json()["tokens"]
    return {listed_token["name"] for listed_token in listed if listed_token["live"]}


@on_both_databases
def test_a_token_made_over_the_api_records_its_parent_and_is_revoked_with_it(client, make_user):
    _, first = make_user()
    child = make_token(client, first, "child")
    grandchild = make_token(client, child["token"], "grandchild")
    sibling = make_token(client, first, "sibling")
    listed = client.get("/api/tokens", headers=auth(first)).get_json()["tokens"]
    parents = {listed_token["name"]: listed_token["parentId"] for listed_token in listed}
    first_id = parents["child"]
    assert parents == {
        "first token": None,  # made by `create_user`, as `ocrapp users create` does
        "child": first_id,
        "grandchild": child["id"],
        "sibling": first_id,
    }
    assert grandchild["parentId"] == child["id"]
    revoked = client.delete(f"/api/tokens/{child['id']}", headers=auth(sibling["token"]))
    assert revoked.status_code == 200 and revoked.get_json()["live"] is False
    assert client.get("/api/tasks", headers=auth(grandchild["token"])).status_code == 401
    assert live_names(client, first) == {"first token", "sibling"}
    # Revoking the first token revokes every token made from it, itself included.
    client.delete(f"/api/tokens/{first_id}", headers=auth(first))
    for token in (first, sibling["token"]):
        assert client.get("/api/tasks", headers=auth(token)).status_code == 401


@on_both_databases
def test_a_token_revoked_by_another_process_cannot_make_a_token_meanwhile(client, make_user):
    """This process still trusts the token for VERIFIED_TOKEN_SECONDS after another revoked
    it; a child made then outlived the revocation, which had looked for children already."""
    _, first = make_user()
    child = make_token(client, first, "leaked")
    assert client.get("/api/tokens", headers=auth(child["token"])).status_code == 200  # trusted
    with db.session() as session:  # revoked elsewhere: this process is not told
        session.get(ApiToken, child["id"]).revoked_at = utcnow()

    answer = client.post("/api/tokens", headers=auth(child["token"]), json={"name": "escape"})

    assert answer.status_code == 401
    assert live_names(client, first) == {"first token"}


def test_revoking_again_keeps_each_tokens_first_revocation_time(client, make_user):
    _, first = make_user()
    child = make_token(client, first, "child")
    grandchild = make_token(client, child["token"], "grandchild")
    client.delete(f"/api/tokens/{grandchild['id']}", headers=auth(first))
    earlier = revoked_at(grandchild["id"])
    client.delete(f"/api/tokens/{child['id']}", headers=auth(first))
    assert revoked_at(grandchild["id"]) == earlier
    assert revoked_at(child["id"]) > earlier


def revoked_at(token_id: int):
    with db.session() as session:
        return session.get(ApiToken, token_id).revoked_at


@on_both_databases
def test_the_cli_revokes_a_token_and_those_made_from_it(app, client, make_user):
    user_id, first = make_user()
    child = make_token(client, first, "child")
    make_token(client, child["token"], "grandchild")
    script_info = ScriptInfo(create_app=lambda: app)  # the command runs on this test's app
    result = CliRunner().invoke(cli, ["tokens", "revoke", first[:12]], obj=script_info)
    assert result.exit_code == 0, result.output
    assert "and 2 tokens made from it" in result.output
    with db.session() as session:
        tokens = session.query(ApiToken).filter_by(user_id=user_id).all()
        assert [token.revoked_at is not None for token in tokens] == [True, True, True]


@on_both_databases
def test_a_user_has_at_most_max_tokens_per_user_live_tokens(app, client, make_user):
    app.config["MAX_TOKENS_PER_USER"] = 3
    _, first = make_user()
    second = make_token(client, first, "second")
    make_token(client, first, "third")
    refused = client.post("/api/tokens", headers=auth(first), json={"name": "fourth"})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_tokens" and "3 live tokens" in error["message"]
    # A revoked or expired token leaves room for another.
    client.delete(f"/api/tokens/{second['id']}", headers=auth(first))
    fourth = make_token(client, first, "fourth")
    assert client.post("/api/tokens", headers=auth(first), json={"name": "5"}).status_code == 409
    with db.session() as session:
        token = session.get(ApiToken, fourth["id"])
        token.expires_at = utcnow() - timedelta(seconds=1)
    make_token(client, first, "fifth")
    # Another user's tokens are their own count.
    _, other = make_user()
    make_token(client, other, "theirs")


def test_the_document_declares_too_many_tokens(sqlite_app):
    document = sqlite_app.test_client().get("/openapi.json").get_json()
    operation = document["paths"]["/api/tokens"]["post"]
    assert "too_many_tokens" in operation["responses"]["409"]["description"]
    token_view = document["components"]["schemas"]["TokenView"]
    assert "parentId" in token_view["properties"]


def test_racing_requests_cannot_pass_the_token_limit_together(app, make_user):
    app.config["MAX_TOKENS_PER_USER"] = 3
    _, first = make_user()

    def attempt(number: int) -> int:
        body = {"name": f"racer {number}"}
        return app.test_client().post("/api/tokens", headers=auth(first), json=body).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(attempt, range(8)))
    assert codes == [201] * 2 + [409] * 6
