"""The OpenAPI document: valid, complete, readable offline, and true of the real app."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ocrapp import create_app
from ocrapp.core.capabilities import register_engines
from ocrapp.core.db import db
from ocrapp.core.models import User
from ocrapp.core.tokens import issue_token
from ocrapp.web.reference import DOCS_COMMAND, DOCS_END, DOCS_START, api_markdown
from ocrapp.webhooks.endpoints import create_endpoint
from tests.helpers import auth, submit
from tests.images import text_image

API_DOCS = Path(__file__).parents[2] / "docs" / "api.md"
# Routes outside the API, each with why OpenAPI does not describe it.
NOT_IN_DOCUMENT = {
    "/healthz",  # probes for an orchestrator, outside the API (docs/api.md, by hand)
    "/readyz",
    "/metrics",  # Prometheus' text format, for its scraper (docs/operations.md)
    "/ws",  # a WebSocket: OpenAPI cannot describe it (docs/websocket.md)
    "/openapi.json",  # the document itself, and its reference page with Redoc's files
    "/docs",
    "/docs/assets/<path:filename>",
    "/static/<path:filename>",  # Flask's own static folder: ocrapp has none
}
# The web app's pages and assets (docs/webapp.md): HTML over the same /api.
WEB_APP = "webapp."


def openapi_path(rule: str) -> str:
    """Write a Flask rule as OpenAPI writes a path: /tasks/<task_id:task_id> -> /tasks/{task_id}."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture
def document(sqlite_app) -> dict:
    return sqlite_app.test_client().get("/openapi.json").get_json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_every_route_is_in_the_document_or_excluded_with_a_reason(sqlite_app, document):
    for rule in sqlite_app.url_map.iter_rules():
        if rule.rule in NOT_IN_DOCUMENT or rule.endpoint.startswith(WEB_APP):
            continue
        assert rule.rule.startswith("/api/"), rule.rule
        operations = document["paths"].get(openapi_path(rule.rule), {})
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in operations, (method, rule.rule)


def test_every_operation_needs_a_bearer_token_and_lists_its_error_codes(document):
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            assert operation["security"] == [{"bearerAuth": []}], (method, path)
            assert "`unauthorized`" in operation["responses"]["401"]["description"]


def test_the_task_is_one_schema_in_every_answer(document):
    task = {"$ref": "#/components/schemas/TaskView"}
    paths = document["paths"]
    for status, path in [("202", "/api/tasks"), ("202", "/api/tasks/{task_id}/cancel")]:
        assert paths[path]["post"]["responses"][status]["content"]["application/json"] == {
            "schema": task
        }
    assert paths["/api/tasks/{task_id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ] == {"schema": task}
    page = document["components"]["schemas"]["TaskPage"]
    assert page["properties"]["tasks"]["items"] == task


class Assets(HTMLParser):
    """The URLs a page loads: its scripts, styles, icons and images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in {"src", "href", "spec-url"}]


def test_the_reference_page_works_offline(sqlite_app):
    client = sqlite_app.test_client()
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert not re.search(r"https?://", page.text)
    parser = Assets()
    parser.feed(page.text)
    assert any(url.endswith(".js") for url in parser.urls)
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    # Redoc's script is the page's only one; it styles inline and searches in a worker.
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy


def test_the_rest_of_the_app_keeps_the_strict_policy(sqlite_app):
    policy = sqlite_app.test_client().get("/openapi.json").headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'unsafe-inline';")


def test_docs_api_md_is_generated_from_the_document(sqlite_app):
    text = API_DOCS.read_text()
    generated = text.partition(DOCS_START)[2].partition(DOCS_END)[0].lstrip("\n")
    assert generated == api_markdown(sqlite_app.api_doc), (
        f"docs/api.md is out of date: run `{DOCS_COMMAND}`"
    )


def test_the_commands_print_the_document_and_its_reference(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    assert json.loads(runner.invoke(args=["openapi"]).output) == sqlite_app.api_doc
    assert runner.invoke(args=["api-docs"]).output == api_markdown(sqlite_app.api_doc)


def test_validation_errors_are_our_400_not_the_librarys_422(client, make_user):
    _, token = make_user()
    answers = [
        client.get("/api/tasks?perPage=0", headers=auth(token)),
        client.post("/api/tokens", headers=auth(token), json=["not", "an", "object"]),
        client.post("/api/tasks", headers={**auth(token), "Idempotency-Key": ""}, data={}),
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert [answer.get_json()["error"]["message"] for answer in answers] == [
        "perPage: Input should be greater than or equal to 1",
        "Send a JSON object.",
        "Idempotency-Key: 1 to 255 printable characters.",
    ]


@pytest.fixture
def api_app(app):
    """The app as a worker would find it: its engines reported; no rate limit to reach."""
    namespace = f"{app.config['EVENT_NAMESPACE']}-openapi"
    api_app = create_app({**app.config, "RATE_LIMIT": None, "EVENT_NAMESPACE": namespace})
    offered = {"languages": ["deu", "eng"], "device": "cpu"}
    register_engines(api_app.config, dict.fromkeys([app.config["OCR_ENGINE"], "easyocr"], offered))
    return api_app


@pytest.fixture
def seeded(api_app, make_user) -> dict:
    """An admin's token, a queued task of theirs with its upload, a spare token, a webhook."""
    user_id, token = make_user(admin=True)
    task_id = submit(api_app.test_client(), token, text_image(["seed"])).get_json()["taskId"]
    with db.session() as session:
        spare, _ = issue_token(session, session.get(User, user_id), "spare")
        webhook = create_endpoint(
            session, user_id, "https://93.184.216.34/hooks", ["task.completed"], "", api_app.config
        )
        return {"token": token, "task_id": task_id, "token_id": spare.id, "webhook_id": webhook.id}


# Read when the tests are collected; each example is sent to the test's own app.
schema = schemathesis.openapi.from_dict(create_app({"TESTING": True}).api_doc)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_document_says(api_app, case, seeded):
    # Real rows rather than random ids, so that more than a 404 is exercised; the
    # spare token may be revoked over and over, never the one the requests are made with.
    for name in ("task_id", "token_id", "webhook_id"):
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = seeded[name]
    if "wait" in (case.query or {}):
        case.query["wait"] = 0  # a long poll: its waiting is tested in test_api.py
    case.call_and_validate(
        app=api_app,
        headers=auth(seeded["token"]),
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
