"""API tokens made and revoked in the web app, and the admins' service page, in a browser."""

import re

import requests
from playwright.sync_api import expect
from sqlalchemy import create_engine, update

from ocrapp.core.models import Task, TaskStatus, utcnow
from tests.images import text_image
from tests.webapp.conftest import NO_CLIPBOARD, create_person, sign_in


def calls_api(stack, token: str) -> int:
    """The status of `GET /api/tasks` with `token`."""
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{stack.url}/api/tasks", headers=headers, timeout=10).status_code


def test_a_token_is_shown_once_outlives_the_session_and_can_be_revoked(
    quiet_stack, context, screenshots
):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("scanner script")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#secret-value")
    expect(secret).to_have_text(re.compile(r"^ocr_\S{40,}$"))
    token = secret.text_content()
    assert token.startswith("ocr_") and calls_api(quiet_stack, token) == 200
    row = page.locator("tr", has_text="scanner script")
    expect(row).to_be_visible()
    page.screenshot(path=screenshots / "tokens.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    assert calls_api(quiet_stack, token) == 200  # not revoked with the session

    sign_in(page, quiet_stack, email)
    page.goto(f"{quiet_stack.url}/tokens")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke scanner script").click()
    expect(page.locator("tr", has_text="scanner script")).to_contain_text("revoked")
    assert calls_api(quiet_stack, token) == 401


def test_without_a_clipboard_copy_selects_and_a_failed_revoke_says_so(quiet_stack, context):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    page.goto(f"{quiet_stack.url}/tokens")
    page.evaluate(NO_CLIPBOARD)
    page.get_by_label("Name").fill("backup job")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#secret-value")
    expect(secret).to_have_text(re.compile(r"^ocr_"))
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-note")).to_have_text("Press Ctrl+C to copy")
    assert page.evaluate("getSelection().toString()") == secret.text_content()

    def refuse_deletes(route):
        if route.request.method != "DELETE":
            return route.continue_()
        error = {"code": "unavailable", "message": "The database is away."}
        return route.fulfill(status=503, json={"error": error})

    page.route("**/api/tokens/*", refuse_deletes)
    page.once("dialog", lambda dialog: dialog.accept())
    revoke = page.get_by_role("button", name="Revoke backup job")
    revoke.click()
    expect(page.get_by_role("alert")).to_have_text(
        "Could not revoke “backup job”: The database is away."
    )
    expect(revoke).to_be_enabled()


def test_the_tokens_page_fits_a_narrow_phone(quiet_stack, browser):
    email, _ = create_person(quiet_stack)
    phone = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True)
    try:
        page = phone.new_page()
        sign_in(page, quiet_stack, email)
        page.goto(f"{quiet_stack.url}/tokens")
        expect(page.locator("#token-rows tr").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        phone.close()


def fail_a_task(stack, token: str, code: str) -> None:
    """Submit a file to `stack` and record its task failed with `code`, as a worker would."""
    answer = requests.post(
        f"{stack.url}/api/tasks",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("broken.png", text_image(["x"]))},
        timeout=30,
    )
    engine = create_engine(f"sqlite:///{stack.env['OCRAPP_INSTANCE_DIR']}/ocrapp.sqlite3")
    with engine.begin() as connection:
        connection.execute(
            update(Task)
            .where(Task.id == answer.json()["taskId"])
            .values(
                status=TaskStatus.FAILED,
                error={"code": code, "message": "It went wrong."},
                started_at=utcnow(),
                finished_at=utcnow(),
            )
        )
    engine.dispose()


def test_admins_see_the_service_and_others_do_not(quiet_stack, context, browser, screenshots):
    admin, token = create_person(quiet_stack, "--admin")
    page = context.new_page()
    sign_in(page, quiet_stack, admin)
    page.get_by_role("link", name="Service").click()
    expect(page.get_by_role("heading", name="Queues")).to_be_visible()
    expect(page.locator("#figures")).to_contain_text("Tasks started, last hour")
    expect(page.locator("#statuses .status").first).to_be_visible()
    expect(page.locator("#failures")).to_contain_text("No task failed")
    fail_a_task(quiet_stack, token, "pdf_encrypted")
    page.reload()
    expect(page.locator("#failures tr", has_text="pdf_encrypted")).to_contain_text("1")
    page.screenshot(path=screenshots / "service.png", full_page=True)

    other = browser.new_context()
    try:
        person = other.new_page()
        sign_in(person, quiet_stack, create_person(quiet_stack)[0])
        expect(person.get_by_role("link", name="Service")).to_have_count(0)
        assert person.goto(f"{quiet_stack.url}/service").status == 404
    finally:
        other.close()
