"""Hostile uploads: each refused with its own code, nothing crashes, nothing is kept."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocrapp import create_app
from ocrapp.core.db import db
from ocrapp.core.intake import clean_filename
from ocrapp.core.models import File, Task
from tests.documents import broken_xref_pdf, empty_pdf, text_pdf, unrepairable_pdf
from tests.helpers import auth, submit
from tests.images import png_declaring, text_image


def stored_files() -> int:
    with db.session() as session:
        return session.query(File).count()


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 400, "empty_file"),
        (b"PK\x03\x04 not an image", 415, "unsupported_media_type"),
        (b"\x89PNG\r\n\x1a\n", 415, "unsupported_media_type"),  # a signature, no header
        (png_declaring(50_000, 50_000), 422, "page_too_large"),
        (png_declaring(10_000, 10_000), 422, "page_too_large"),  # under Pillow's own limit
        (b"%PDF-1.4\n" + text_image(["no pdf"]), 422, "pdf_invalid"),  # a PDF by its header
        (unrepairable_pdf(["lost"]), 422, "pdf_invalid"),
        (text_pdf([["secret"]], encrypt="password"), 422, "pdf_encrypted"),
        (empty_pdf(), 422, "pdf_empty"),
        # Read in one pass, not scanned to the end from each (inspection_timeout before).
        (b"%PDF-1.4\n" + b"/Type/Pages " * 100_000, 422, "pdf_invalid"),
    ],
)
def test_bad_uploads_are_refused_with_their_code_and_not_kept(
    client, make_user, data, status, code
):
    _, token = make_user()
    response = submit(client, token, data)
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert stored_files() == 0


def test_a_refused_upload_leaves_a_log_line_with_its_code(client, make_user, caplog):
    _, token = make_user()
    with caplog.at_level("INFO", logger="ocrapp.web.errors"):
        submit(client, token, png_declaring(50_000, 50_000))
    assert "refused 422 page_too_large" in caplog.text


def test_a_pdf_over_max_pages_is_refused_at_upload(app, client, make_user):
    app.config["MAX_PAGES"] = 5
    _, token = make_user()
    response = submit(client, token, text_pdf([["page"]] * 6), "long.pdf")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "too_many_pages"


def test_a_pdf_whose_cross_reference_pdfium_repairs_is_taken(client, make_user):
    _, token = make_user()
    response = submit(client, token, broken_xref_pdf(["repaired"]), "broken.pdf")
    assert response.status_code == 202


def test_the_type_is_decided_by_content_not_by_name(client, make_user):
    _, token = make_user()
    task = submit(client, token, text_pdf([["a pdf"]]), "holiday.png").get_json()
    with db.session() as session:
        file = session.get(Task, task["taskId"]).file
        assert (file.file_type.value, file.stored_filename.endswith(".pdf")) == ("pdf", True)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd\x00.png", "passwd.png"),
        ("x" * 1000 + ".png", "x" * 255),
        ("", "upload"),
        ("\x01\x02", "upload"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # not shown as "invoiceexe.pdf"
        ("\u2066a\u2028b\u2029\u2069.png", "ab.png"),
    ],
)
def test_file_names_are_stored_under_our_key_and_shown_safely(client, make_user, name, shown):
    _, token = make_user()
    response = submit(client, token, text_image(["x"]), name)
    assert response.get_json()["filename"] == shown
    with db.session() as session:
        key = session.get(Task, response.get_json()["taskId"]).file.storage_key
    assert ".." not in key and key.startswith("users/")


@given(st.text())
def test_a_cleaned_file_name_is_never_a_path_nor_empty(name):
    cleaned = clean_filename(name)
    assert cleaned and len(cleaned) <= 255
    assert not any(part in cleaned for part in ("/", "\\", "\x00"))
    assert all(ord(character) >= 32 and character != "\x7f" for character in cleaned)
    assert not any("\u2028" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in cleaned)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2048), name=st.text(max_size=300))
def test_any_upload_gets_a_clear_answer_never_a_crash(client, make_user, data, name):
    _, token = make_user()
    response = submit(client, token, data, name)
    assert response.status_code in (202, 400, 415, 422)
    if response.status_code != 202:
        assert response.get_json()["error"]["code"]


def test_too_many_requests_get_a_429_with_retry_after_per_user_not_per_token(app, make_user):
    limited = create_app({**app.config, "RATE_LIMIT": "3 per minute"}).test_client()
    _, token = make_user()
    second = limited.post("/api/tokens", headers=auth(token), json={"name": "two"})
    answers = [limited.get("/api/tasks", headers=auth(token)) for _ in range(2)]
    answers.append(limited.get("/api/tasks", headers=auth(second.get_json()["token"])))
    assert [a.status_code for a in [second, *answers]] == [201, 200, 200, 429]
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) > 0
    # Only where waiting helps: urllib3's Retry resent refused uploads that carried one.
    assert "Retry-After" not in answers[0].headers and "Retry-After" not in second.headers
    _, other = make_user()
    assert limited.get("/api/tasks", headers=auth(other)).status_code == 200
    assert limited.get("/healthz").status_code == 200


def test_made_up_tokens_share_one_allowance_per_address(app):
    limited = create_app({**app.config, "RATE_LIMIT": "3 per minute"}).test_client()
    made_up = [limited.get("/api/tasks", headers=auth(f"ocr_x_{n}")) for n in range(4)]
    assert [a.status_code for a in made_up] == [401, 401, 401, 429]


def test_racing_uploads_cannot_pass_the_in_flight_limit_together(app, make_user):
    app.config["MAX_TASKS_IN_FLIGHT"] = 3
    _, token = make_user()
    image = text_image(["race"])

    def attempt(_) -> int:
        return submit(app.test_client(), token, image, "a.png").status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(attempt, range(8)))
    assert codes == [202] * 3 + [429] * 5
    assert stored_files() == 3


def test_a_user_with_too_many_tasks_in_flight_gets_a_429(app, client, make_user):
    app.config["MAX_TASKS_IN_FLIGHT"] = 2
    _, token = make_user()
    codes = [submit(client, token, text_image([str(n)]), "a.png").status_code for n in range(3)]
    assert codes == [202, 202, 429]
    third = submit(client, token, text_image(["x"]), "a.png")
    assert third.get_json()["error"]["code"] == "too_many_tasks"
    assert third.headers["Retry-After"] == "30"  # the error's own, not the rate limit window


def test_a_user_over_the_storage_quota_gets_a_429(app, client, make_user):
    app.config["MAX_STORED_MB"] = 0
    _, token = make_user()
    response = submit(client, token, text_image(["x"]), "a.png")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "quota_exceeded"
    assert stored_files() == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/tasks/%00", 404),
        ("POST", "/api/tasks/not-a-uuid/cancel", 404),
        ("DELETE", "/api/tokens/99999999999999999999999", 404),
        ("GET", "/api/tasks?page=999999999999999999", 400),
    ],
)
def test_odd_ids_and_numbers_are_clear_errors(client, make_user, method, path, status):
    _, token = make_user()
    assert client.open(path, method=method, headers=auth(token)).status_code == status


def test_control_characters_in_names_and_keys_are_400(client, make_user):
    _, token = make_user()
    named = client.post("/api/tokens", headers=auth(token), json={"name": "a\x00b"})
    assert named.status_code == 400
    keyed = client.post(
        "/api/tasks",
        headers={**auth(token), "Idempotency-Key": "a\tb"},
        data={"file": (io.BytesIO(text_image(["x"])), "a.png")},
    )
    assert keyed.status_code == 400


def test_a_token_cannot_outlive_the_token_that_made_it(client, make_user):
    _, token = make_user()
    short = client.post(
        "/api/tokens", headers=auth(token), json={"name": "day", "expiresInDays": 1}
    ).get_json()
    child = client.post("/api/tokens", headers=auth(short["token"]), json={"name": "forever"})
    assert child.get_json()["expiresAt"] == short["expiresAt"]
