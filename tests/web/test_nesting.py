"""Deeply nested JSON, in a body or a form value, is a 400 the client can read, not a 500."""

import io

from tests.conftest import on_both_databases
from tests.helpers import auth

DEEP = "[" * 100_000


@on_both_databases
def test_a_json_body_nested_too_deeply_is_a_400(client, make_user):
    _, token = make_user()
    response = client.post(
        "/api/tokens", data=DEEP, content_type="application/json", headers=auth(token)
    )
    assert response.status_code == 400
    assert response.json["error"] == {
        "code": "invalid_request",
        "message": "The request is nested too deeply to read.",
    }


@on_both_databases
def test_a_form_value_nested_too_deeply_is_a_400(client, make_user):
    _, token = make_user()
    response = client.post(
        "/api/tasks",
        headers=auth(token),
        data={"file": (io.BytesIO(b"\x89PNG"), "a.png"), "languages": DEEP},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"
