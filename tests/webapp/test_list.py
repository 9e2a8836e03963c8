"""In a browser: the task list while it changes under the person using it (quiet stack)."""

import re

from playwright.sync_api import expect

from tests.images import text_image
from tests.webapp.conftest import cancel, create_person, sign_in, submit, task_entry, upload

IMAGE = text_image(["Queued"])
AHEAD = re.compile(r"^(\d+) ahead in the queue")


def signed_in_page(stack, context):
    """A new user's task list; return the page and the user's API token."""
    email, token = create_person(stack)
    page = context.new_page()
    sign_in(page, stack, email)
    return page, token


def test_an_armed_delete_and_the_focus_survive_live_updates(quiet_stack, context):
    page, token = signed_in_page(quiet_stack, context)
    submit(quiet_stack, token, "keep.png", IMAGE)
    other = submit(quiet_stack, token, "other.png", IMAGE)
    expect(task_entry(page, "other.png").locator(".status")).to_have_text("queued")
    task_entry(page, "keep.png").get_by_role("button", name="Delete keep.png").focus()
    page.keyboard.press("Enter")
    confirm = task_entry(page, "keep.png").get_by_role("button", name="Really delete keep.png?")
    expect(confirm).to_be_focused()
    # Another task changes meanwhile: its live update must leave this entry as it is.
    cancel(quiet_stack, token, other)
    expect(task_entry(page, "other.png").locator(".status")).to_have_text("cancelled")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(task_entry(page, "keep.png")).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text("keep.png deleted")


def test_an_upload_from_page_two_says_where_it_went(quiet_stack, context, tmp_path):
    page, token = signed_in_page(quiet_stack, context)
    for number in range(21):  # one more than a page holds
        submit(quiet_stack, token, f"old-{number}.png", IMAGE)
    page.reload()
    expect(page.locator("#connection")).to_have_text("Live")
    page.get_by_role("button", name="Older").click()
    expect(page.locator("#page-label")).to_have_text("Page 2 of 2")
    upload(page, tmp_path, {"late.png": IMAGE})
    row = page.locator(".upload-row", has_text="late.png")
    expect(row).to_contain_text("Uploaded: it is on page 1.")
    expect(page.locator("#announcer")).to_have_text("late.png: queued")
    row.get_by_role("button", name="Go to page 1").click()
    expect(page.locator("#page-label")).to_have_text("Page 1 of 2")
    expect(task_entry(page, "late.png").get_by_role("link", name="late.png")).to_be_focused()
    expect(page.locator(".upload-row")).to_have_count(0)


def test_a_filter_that_hides_every_entry_says_so(quiet_stack, context):
    page, token = signed_in_page(quiet_stack, context)
    submit(quiet_stack, token, "waiting.png", IMAGE)
    expect(task_entry(page, "waiting.png")).to_be_visible()
    page.get_by_role("button", name="Completed").click()
    expect(page.locator("#empty")).to_have_text("No completed tasks on this page.")
    page.get_by_role("button", name="All").click()
    expect(page.locator("#empty")).to_be_hidden()


def in_line(ahead: int) -> re.Pattern:
    """The start of the detail line of a queued task with `ahead` tasks before it."""
    return re.compile("^Next in line" if ahead == 0 else rf"^{ahead} ahead in the queue")


def place(page, filename: str) -> int:
    """How many tasks are ahead of `filename`'s, as its entry shows now."""
    detail = task_entry(page, filename).locator(".detail")
    expect(detail).to_have_text(AHEAD)
    return int(AHEAD.match(detail.text_content()).group(1))


def test_places_in_line_follow_the_queue(quiet_stack, context):
    page, token = signed_in_page(quiet_stack, context)
    first = submit(quiet_stack, token, "first.png", IMAGE)
    second = submit(quiet_stack, token, "second.png", IMAGE)
    third = submit(quiet_stack, token, "third.png", IMAGE)
    expect(task_entry(page, "third.png")).to_be_visible()
    ahead = place(page, "third.png")
    # The server does not resend places; the page reads them again when one of its tasks ends.
    cancel(quiet_stack, token, first)
    expect(task_entry(page, "third.png").locator(".detail")).to_have_text(in_line(ahead - 1))

    page.goto(f"{quiet_stack.url}/tasks/{third}")
    expect(page.locator("#detail")).to_have_text(in_line(ahead - 1))
    expect(page.locator("#detail")).to_have_attribute("data-connection", "live")
    cancel(quiet_stack, token, second)
    expect(page.locator("#detail")).to_have_text(in_line(ahead - 2))
