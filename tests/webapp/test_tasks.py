"""In a browser: uploads, live progress through drops and reloads, cancel, delete, results."""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.documents import PROSE, image_pdf, page_image, tilted
from tests.helpers import wait_for_engines
from tests.images import text_image
from tests.stack import wait_for
from tests.webapp.conftest import NO_CLIPBOARD, create_person, sign_in, task_entry, upload

IMAGE_LINES = ["Invoice number 4711", "Delivered to Harbour Street"]
# Pages the browser can watch go by: each takes Tesseract a moment.
PAGES = [page_image([f"Page {n} of the report", "Quarterly figures and notes"]) for n in range(4)]
READ = 90_000  # milliseconds a stack's worker may take to read a file
# Tasks of the quiet stack stay queued, so a new one may have others ahead of it.
IN_LINE = re.compile(r"Next in line|\d+ ahead in the queue")
# Every detail line and status the list showed, as the page rendered them.
RECORD_DETAILS = """
window.seen = [];
new MutationObserver(() => {
  for (const row of document.querySelectorAll("li.task")) {
    const name = row.querySelector(".name").textContent;
    const line = `${name}|${row.dataset.status}|${row.querySelector(".detail").textContent}`;
    if (window.seen.at(-1) !== line) window.seen.push(line);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def reader(sqlite_stack, context):
    """A signed-in page on the stack that reads tasks, its worker ready with Tesseract."""
    email, token = create_person(sqlite_stack)
    wait_for_engines(sqlite_stack, token, {"tesseract"})
    context.add_init_script(RECORD_DETAILS)
    page = context.new_page()
    sign_in(page, sqlite_stack, email)
    page.get_by_label("Engine").select_option("tesseract")
    return page


def seen(page, filename: str) -> list[str]:
    """The statuses and detail lines `filename`'s entry showed, in order."""
    lines = page.evaluate("window.seen")
    return [line.split("|", 1)[1] for line in lines if line.startswith(filename + "|")]


@pytest.mark.slow
def test_two_files_are_read_and_the_image_text_shown_with_its_words(reader, tmp_path, screenshots):
    report = image_pdf(PAGES[:2])
    upload(reader, tmp_path, {"invoice.png": text_image(IMAGE_LINES), "report.pdf": report})
    for name in ("invoice.png", "report.pdf"):
        expect(task_entry(reader, name).locator(".status")).to_have_text("completed", timeout=READ)
    assert "processing|Page 1 of 2" in seen(reader, "report.pdf")
    assert "processing|Page 2 of 2" in seen(reader, "report.pdf")
    reader.screenshot(path=screenshots / "tasks.png", full_page=True)

    task_entry(reader, "invoice.png").get_by_role("link", name="Open text").click()
    text = reader.get_by_label("Recognised text")
    expect(text).to_contain_text("Invoice number 4711")
    expect(text).to_contain_text("Harbour Street")
    words = reader.locator("svg rect.word")
    expect(words.first).to_be_visible()
    assert words.count() >= 7
    words.first.click()
    expect(reader.locator("#word-detail")).to_contain_text("% confidence")
    reader.evaluate(NO_CLIPBOARD)
    reader.get_by_role("button", name="Copy").click()
    expect(reader.locator("#copy-note")).to_have_text("Press Ctrl+C to copy")
    assert "Invoice number 4711" in reader.evaluate("getSelection().toString()")
    reader.get_by_label("Find in text").fill("harbour")
    expect(reader.locator("#text mark")).to_have_text("Harbour")
    reader.screenshot(path=screenshots / "result.png", full_page=True)
    downloads = reader.get_by_role("navigation", name="Downloads").get_by_role("link")
    expect(downloads).to_have_count(6)
    for href in downloads.evaluate_all("links => links.map(link => link.href)"):
        answer = reader.request.get(href)  # with the page's cookie
        assert answer.status == 200 and answer.body(), href


@pytest.mark.slow
@pytest.mark.parametrize("quarter_turns", [0, 1])  # and lying on its side
def test_an_image_fed_askew_shows_each_word_outlined_on_its_ink(reader, tmp_path, quarter_turns):
    buffer = io.BytesIO()
    tilted(page_image(PROSE[:5]), -4.0).rotate(90 * quarter_turns, expand=True).save(buffer, "PNG")
    upload(reader, tmp_path, {"askew.png": buffer.getvalue()})
    entry = task_entry(reader, "askew.png")
    expect(entry.locator(".status")).to_have_text("completed", timeout=READ)
    entry.get_by_role("link", name="Open text").click()
    expect(reader.locator("svg rect.word").first).to_be_visible()
    origin, task_id = re.match(r"(https?://[^/]+).*/tasks/([^/?#]+)", reader.url).groups()
    result = reader.request.get(f"{origin}/api/tasks/{task_id}/result?format=json").json()
    page = result["pages"][0]
    assert page["skew"] == pytest.approx(-4.0, abs=0.2)  # read upright and levelled
    assert page["rotation"] == 90 * quarter_turns
    reader.evaluate("document.querySelectorAll('rect.word').forEach((rect) => rect.remove())")
    shot = Image.open(io.BytesIO(reader.locator("svg.overlay").screenshot())).convert("L")
    scale = shot.width / page["width"]
    words = [w for block in page["blocks"] for line in block["lines"] for w in line["words"]]
    assert len(words) > 40
    for word in words:  # the upload is drawn turned as it was read, under the boxes
        box = word["box"]
        corners = (box["left"], box["top"], box["right"], box["bottom"])
        inside = shot.crop(tuple(round(value * scale) for value in corners))
        assert (np.asarray(inside) < 128).mean() > 0.05, word


@pytest.mark.slow
def test_a_dropped_network_and_a_reload_do_not_freeze_the_list(reader, context, tmp_path):
    upload(reader, tmp_path, {"long.pdf": image_pdf(PAGES * 2)})
    entry = task_entry(reader, "long.pdf")
    expect(entry.locator(".detail")).to_have_text(re.compile(r"Page \d of 8"), timeout=60_000)
    context.set_offline(True)
    expect(reader.locator("#connection")).to_have_text("Reconnecting…")
    reader.wait_for_timeout(2000)
    context.set_offline(False)
    expect(reader.locator("#connection")).to_have_text("Live")
    expect(entry.locator(".status")).to_have_text("completed", timeout=READ)
    expect(entry.locator(".detail")).to_contain_text("8 pages")

    upload(reader, tmp_path, {"again.pdf": image_pdf(PAGES * 3)})
    again = task_entry(reader, "again.pdf")
    expect(again.locator(".detail")).to_have_text(re.compile(r"Page \d of 12"), timeout=60_000)
    reader.reload()
    expect(again.locator(".detail")).to_have_text(re.compile(r"Page \d+ of 12"))
    expect(again.locator(".status")).to_have_text("completed", timeout=READ)
    assert any(line.startswith("processing|Page") for line in seen(reader, "again.pdf"))


def test_a_refused_file_says_why_and_the_others_go_on(quiet_stack, context, tmp_path, screenshots):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    files = {"notes.txt": b"plain text, not an image", "scan.png": text_image(["Hello"])}
    upload(page, tmp_path, files)
    refused = page.locator(".upload-row.refused", has_text="notes.txt")
    expect(refused).to_contain_text("Refused:")
    expect(task_entry(page, "scan.png").locator(".status")).to_have_text("queued")
    expect(task_entry(page, "scan.png").locator(".detail")).to_have_text(IN_LINE)
    page.screenshot(path=screenshots / "refused.png", full_page=True)

    task_entry(page, "scan.png").get_by_role("button", name="Cancel scan.png").click()
    expect(task_entry(page, "scan.png").locator(".status")).to_have_text("cancelled")


def test_a_queued_task_page_offers_no_downloads_yet(quiet_stack, context, tmp_path):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    upload(page, tmp_path, {"waiting.png": text_image(["Waiting"])})
    task_entry(page, "waiting.png").get_by_role("link", name="waiting.png").click()
    expect(page.locator("#status")).to_have_text("queued")
    expect(page.get_by_role("navigation", name="Downloads")).to_be_hidden()
    back = page.get_by_role("link", name="All tasks").bounding_box()
    card = page.locator(".task-head").bounding_box()
    assert back["y"] + back["height"] <= card["y"]  # clear of the card's border


def test_another_user_sees_none_of_it(quiet_stack, browser, context, tmp_path):
    owner, other = create_person(quiet_stack)[0], create_person(quiet_stack)[0]
    page = context.new_page()
    sign_in(page, quiet_stack, owner)
    upload(page, tmp_path, {"private.png": text_image(["Private"])})
    entry = task_entry(page, "private.png")
    expect(entry.locator(".status")).to_have_text("queued")
    task_id = entry.get_attribute("data-task-id")

    elsewhere = browser.new_context()
    try:
        stranger = elsewhere.new_page()
        sign_in(stranger, quiet_stack, other)
        expect(stranger.locator("#empty")).to_be_visible()
        stranger.goto(f"{quiet_stack.url}/tasks/{task_id}")
        expect(stranger.get_by_role("heading", level=1)).to_have_text("No such task")
    finally:
        elsewhere.close()


def test_a_phone_sized_window_shows_the_list(quiet_stack, browser, screenshots):
    email, _ = create_person(quiet_stack)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = phone.new_page()
        sign_in(page, quiet_stack, email)
        expect(page.get_by_text("Drop images or PDFs here")).to_be_visible()
        page.screenshot(path=screenshots / "phone.png", full_page=True)
    finally:
        phone.close()


@pytest.mark.slow
def test_a_server_restart_mid_task_shows_reconnecting_then_the_end(reader, sqlite_stack, tmp_path):
    upload(reader, tmp_path, {"restart.pdf": image_pdf(PAGES * 3)})
    entry = task_entry(reader, "restart.pdf")
    expect(entry.locator(".detail")).to_have_text(re.compile(r"Page \d+ of 12"), timeout=60_000)
    sqlite_stack.process("web").stop()
    expect(reader.locator("#connection")).to_have_text("Reconnecting…")
    sqlite_stack.launch("web")
    wait_for(sqlite_stack._web_ready, 60, "the web process again")
    expect(reader.locator("#connection")).to_have_text("Live", timeout=30_000)
    expect(entry.locator(".status")).to_have_text("completed", timeout=READ)
    expect(entry.locator(".detail")).to_contain_text("12 pages")


def test_files_dropped_on_the_drop_zone_are_uploaded(quiet_stack, context):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    image = base64.b64encode(text_image(["Dropped"])).decode()
    page.evaluate(
        """(image) => {
            const bytes = Uint8Array.from(atob(image), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "dropped.png", {type: "image/png"}));
            const zone = document.getElementById("dropzone");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        image,
    )
    expect(task_entry(page, "dropped.png").locator(".status")).to_have_text("queued")


@pytest.mark.slow
def test_a_task_page_follows_its_task_to_the_result(reader, tmp_path, screenshots):
    upload(reader, tmp_path, {"followed.pdf": image_pdf(PAGES * 3)})
    task_entry(reader, "followed.pdf").get_by_role("link", name="followed.pdf").click()
    expect(reader.locator("#detail")).to_have_text(re.compile(r"Page \d+ of 12"), timeout=60_000)
    expect(reader.locator("#status")).to_have_text("completed", timeout=READ)
    expect(reader.get_by_label("Recognised text")).to_contain_text("Quarterly figures")
    expect(reader.locator("figure.page")).to_have_count(12)
    reader.screenshot(path=screenshots / "result-pdf.png")


@pytest.mark.slow
def test_a_deleted_task_leaves_the_list_and_its_page(reader, sqlite_stack, tmp_path, screenshots):
    upload(reader, tmp_path, {"discard.png": text_image(["Discard this page"])})
    entry = task_entry(reader, "discard.png")
    expect(entry.locator(".status")).to_have_text("completed", timeout=READ)
    task_id = entry.get_attribute("data-task-id")
    entry.get_by_role("button", name="Delete discard.png").click()
    confirm = entry.get_by_role("button", name="Really delete discard.png?")
    expect(confirm).to_be_visible()
    reader.screenshot(path=screenshots / "delete-confirm.png")
    confirm.click()
    expect(task_entry(reader, "discard.png")).to_have_count(0)
    expect(reader.locator("#announcer")).to_have_text("discard.png deleted")
    reader.reload()
    expect(reader.locator("#connection")).to_have_text("Live")
    expect(task_entry(reader, "discard.png")).to_have_count(0)
    reader.goto(f"{sqlite_stack.url}/tasks/{task_id}")
    expect(reader.locator("#filename")).to_have_text("No such task")


def test_the_keyboard_alone_uploads_and_cancels(quiet_stack, context, tmp_path):
    email, _ = create_person(quiet_stack)
    page = context.new_page()
    sign_in(page, quiet_stack, email)
    page.evaluate("document.activeElement.blur()")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "file-input":
            break
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    # The input itself is invisible: its drop zone shows the focus (after a transition).
    expect(page.locator("#dropzone")).to_have_css("background-color", "rgb(238, 243, 255)")
    (tmp_path / "typed.png").write_bytes(text_image(["Typed"]))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(tmp_path / "typed.png")
    entry = task_entry(page, "typed.png")
    expect(entry.locator(".status")).to_have_text("queued")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Cancel typed.png":
            break
    page.keyboard.press("Enter")
    expect(entry.locator(".status")).to_have_text("cancelled")
