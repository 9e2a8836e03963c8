"""A real browser (Debian's chromium, driven by Playwright) on real stacks of ocrapp.

`quiet_stack` runs the web process alone, so its tasks stay queued; `sqlite_stack` (the
shared one) reads them. Screenshots of the main views go to the run's temporary folder.
"""

import os
import subprocess
import uuid
from pathlib import Path

import pytest
import redis
import requests
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import NAMESPACE
from tests.stack import BIN, ROOT, Stack

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"
# As outside a secure context (plain http off localhost), where browsers offer no clipboard.
NO_CLIPBOARD = "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium (Playwright's own download cannot reach the internet here)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile: no cookies, a desktop window."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the test run saves its screenshots (not committed)."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="session")
def quiet_stack(tmp_path_factory, logs_dir, redis_server):
    """The web process alone, on SQLite and a folder: nothing reads its tasks."""
    namespace = f"{NAMESPACE}-quiet"
    stack = Stack.embedded(
        tmp_path_factory.mktemp("quiet"),
        {"REDIS_URL": f"{redis_server}/13", "EVENT_NAMESPACE": namespace, "OCR_QUEUE": namespace},
        logs_dir / "quiet",
    )
    stack.log_dir.mkdir()
    yield stack.start(names=("web",))
    stack.stop()


def clear_signin_attempts(stack: Stack) -> None:
    """Forget the failed sign-ins counted on `stack` (all from 127.0.0.1)."""
    connection = redis.Redis.from_url(stack.env["REDIS_URL"])
    keys = list(connection.scan_iter(f"{stack.env['EVENT_NAMESPACE']}:signin:*"))
    if keys:
        connection.delete(*keys)


def create_person(stack: Stack, *options: str) -> tuple[str, str]:
    """Create a user with a password through the CLI; return their email and API token."""
    email = f"person-{uuid.uuid4().hex[:8]}@example.com"
    completed = subprocess.run(
        [str(BIN / "ocrapp"), "users", "create", email, "--password-stdin", *options],
        input=f"{PASSWORD}\n",
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return email, completed.stdout.splitlines()[-1]


def sign_in(page: Page, stack: Stack, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{stack.url}/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Live once the page's script has run and its socket is open: uploads are handled.
    expect(page.locator("#connection")).to_have_text("Live")


def upload(page: Page, tmp_path: Path, files: dict[str, bytes]) -> None:
    """Choose `files` in the upload's file input, all at once."""
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    page.locator("input[type=file]").set_input_files(paths)


def submit(stack: Stack, token: str, filename: str, data: bytes) -> str:
    """Submit a file through the API with `token`, from outside the page; return its task id."""
    answer = requests.post(
        f"{stack.url}/api/tasks",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (filename, data)},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["taskId"]


def cancel(stack: Stack, token: str, task_id: str) -> None:
    """Cancel a task through the API with `token`, from outside the page."""
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{stack.url}/api/tasks/{task_id}/cancel"
    requests.post(url, headers=headers, timeout=10).raise_for_status()


def task_entry(page: Page, filename: str):
    """The list entry of the task of `filename`."""
    return page.locator("li.task", has=page.locator(".name", has_text=filename))
