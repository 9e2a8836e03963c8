"""The pages and sessions in this process, without a browser (quick tier)."""

import re

from ocrapp.core.db import db
from ocrapp.core.models import User
from ocrapp.core.tokens import create_user
from ocrapp.webapp.passwords import password_matches, set_password

PASSWORD = "a long enough password"


def person(email: str = "reader@example.com") -> str:
    """Create a user with PASSWORD; return their email."""
    with db.session() as session:
        user, _ = create_user(session, email)
        set_password(user, PASSWORD)
    return email


def csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def test_pages_send_strangers_to_sign_in(sqlite_app):
    client = sqlite_app.test_client()
    assert client.get("/").headers["Location"] == "/signin?next=/"
    task = "/tasks/7f0f5cc4-7a67-4c1b-9a3b-6d1b0f0e2a11"
    assert client.get(task).headers["Location"] == f"/signin?next={task}"
    assert client.get("/api/tasks").status_code == 401


def test_a_password_signs_in_and_the_cookie_then_serves_the_api(sqlite_app):
    with sqlite_app.app_context():
        email = person()
    client = sqlite_app.test_client()
    form = {"email": email, "password": PASSWORD, "next": "//evil.example/"}
    form["csrf_token"] = csrf_token(client.get("/signin").data)
    signed_in = client.post("/signin", data=form)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/tasks").status_code == 200
    assert client.post("/api/tokens", json={"name": "x"}).json["error"]["code"] == "csrf_failed"
    token = csrf_token(client.get("/").data)
    made = client.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201


def test_a_wrong_password_or_email_is_refused_alike(sqlite_app):
    with sqlite_app.app_context():
        email = person()
    client = sqlite_app.test_client()
    token = csrf_token(client.get("/signin").data)
    for form in ({"email": email, "password": "wrong"}, {"email": "no@one", "password": "x"}):
        refused = client.post("/signin", data={**form, "csrf_token": token})
        assert refused.status_code == 401
        assert b"That email and password do not match." in refused.data


def test_passwords_are_stored_as_argon2id_hashes(sqlite_app):
    user = User(email="someone@example.com")
    set_password(user, PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert password_matches(user, PASSWORD)
    assert not password_matches(user, PASSWORD + "!")
    assert not password_matches(User(email="none@example.com"), PASSWORD)
