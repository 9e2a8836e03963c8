"""Signing in and out, the session cookie, CSRF and the sign-in rate limit, in a browser."""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from playwright.sync_api import expect

from tests.images import text_image
from tests.webapp.conftest import (
    PASSWORD,
    clear_signin_attempts,
    create_person,
    sign_in,
    upload,
)


def test_sign_in_then_out_ends_the_session(quiet_stack, context, screenshots):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    page.goto(quiet_stack.url)
    expect(page).to_have_url(re.compile(r"/signin\?next=/$"))
    page.screenshot(path=screenshots / "signin.png")
    sign_in(page, quiet_stack, email)
    expect(page.locator(".who")).to_have_text(email)
    cookie = next(c for c in context.cookies() if c["name"] == "ocrapp_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "ocrapp_session" not in page.evaluate("document.cookie")
    session = requests.Session()
    session.cookies.set("ocrapp_session", cookie["value"])
    assert session.get(f"{quiet_stack.url}/api/tasks", timeout=10).status_code == 200

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # A copy of the cookie taken before signing out is worth nothing after.
    assert session.get(f"{quiet_stack.url}/api/tasks", timeout=10).status_code == 401


def test_pages_run_only_their_own_scripts(quiet_stack, context):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    response = page.goto(quiet_stack.url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    script = page.locator("script[type=module]").get_attribute("src")
    asset = requests.get(f"{quiet_stack.url}{script}", timeout=10)
    assert "max-age=31536000" in asset.headers["Cache-Control"]


def test_a_wrong_password_is_refused_and_attempts_are_limited(quiet_stack, context):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    try:
        page.goto(f"{quiet_stack.url}/signin")
        for _ in range(10):  # SIGNIN_ATTEMPTS
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill("not the password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_have_text("That email and password do not match.")
            expect(page.get_by_label("Email")).to_have_value(email)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("Too many attempts")
    finally:
        clear_signin_attempts(quiet_stack)
    sign_in(page, quiet_stack, email)


def test_attempts_sent_all_at_once_are_limited_too(quiet_stack):
    """The attempts are counted before the password is checked: 40 wrong passwords sent
    together, each reading the counts before any had added to them, were all checked."""
    email, _ = create_person(quiet_stack)
    ready = threading.Barrier(40)

    def attempt(_) -> int:
        browser = requests.Session()
        form = browser.get(f"{quiet_stack.url}/signin", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        ready.wait(timeout=60)
        answer = browser.post(
            f"{quiet_stack.url}/signin",
            data={"csrf_token": token, "email": email, "password": "not the password"},
            allow_redirects=False,
            timeout=60,
        )
        return answer.status_code

    try:
        with ThreadPoolExecutor(40) as pool:
            statuses = Counter(pool.map(attempt, range(40)))
    finally:
        clear_signin_attempts(quiet_stack)

    assert statuses == {401: 10, 429: 30}  # SIGNIN_ATTEMPTS passwords checked, no more


def test_a_page_left_open_across_a_new_sign_in_says_the_session_ended(
    quiet_stack, context, tmp_path
):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    elsewhere = context.new_page()  # another tab: same cookies
    elsewhere.goto(quiet_stack.url)
    elsewhere.get_by_role("button", name="Sign out").click()
    sign_in(elsewhere, quiet_stack, email)
    elsewhere.close()

    upload(page, tmp_path, {"late.png": text_image(["Late"])})
    expect(page.get_by_role("alert")).to_contain_text("Your session has ended")
    expect(page.locator(".upload-row", has_text="late.png")).to_contain_text("Not sent:")
    # Its socket, once dropped, asks for a ticket once, not for ever.
    context.set_offline(True)
    context.set_offline(False)
    expect(page.locator("#connection")).to_have_text("Session ended")
    page.get_by_role("button", name="Reload the page").click()
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_post_without_the_csrf_token_is_refused(quiet_stack, context):
    email, _ = create_person(quiet_stack)
    refused = requests.post(
        f"{quiet_stack.url}/signin", data={"email": email, "password": PASSWORD}, timeout=10
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"

    page = context.new_page()
    sign_in(page, quiet_stack, email)
    # The page's own script may cancel; the same request without the page's token may not.
    answer = page.evaluate(
        """async () => (await fetch("/api/tasks", {method: "POST", body: new FormData()})).status"""
    )
    assert answer == 403
    sign_out = page.evaluate(
        """async () => (await fetch("/signout", {method: "POST", body: new FormData()})).status"""
    )
    assert sign_out == 403
