"""The OpenAPI 3.1 document of the API, made by flask-openapi3 from the views' schemas.

A view declares its parameters and body by annotation (`query: ListQuery`, `form:
SubmitForm`) and its answers with `answers()`; flask-openapi3 validates the request
against the same schemas before the view runs, and what does not validate is a
`400 invalid_request` (`refuse_invalid`).
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask_openapi3 import APIBlueprint, Info, OpenAPI, Tag
from pydantic import BaseModel

from ocrapp.web.multipart import FastFormRequest
from ocrapp.web.requests import refuse_invalid
from ocrapp.web.schemas import ErrorBody

API_DESCRIPTION = """\
Submit images and PDFs for OCR, follow their tasks, and download what was read.

Every `/api` request needs a live API token (neither revoked nor expired) as
`Authorization: Bearer <token>`; only CORS preflights (`OPTIONS`) go without one. Each user
may make `RATE_LIMIT` requests on `/api` (300 a minute), whichever of their tokens they use,
and have `MAX_TASKS_IN_FLIGHT` tasks (50) `queued` or `processing` at once. Times are ISO
8601 in UTC with milliseconds.

Every error has the same shape, `{"error": {"code": "...", "message": "..."}}`, some with
more fields (`unsupported_language` lists the engine's `languages`); each operation lists
the codes it may answer with. An unknown route is a `404 not_found`, a known one with
another method a `405 method_not_allowed`, an unexpected error a `500 internal_error`
(logged on the server).

Task updates are also pushed over a WebSocket at `/ws` (docs/websocket.md), which OpenAPI
cannot describe.
"""
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `ocrapp users create` prints the first one.",
    }
}
# What any operation under /api may answer besides its own refusals.
COMMON_REFUSALS = {400: ["invalid_request"], 401: ["unauthorized"], 429: ["rate_limited"]}
# An operation with a body: one that does not arrive in REQUEST_BODY_TIMEOUT (web.body_deadline).
BODY_REFUSALS = {408: ["request_timeout"]}
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
# Written here rather than read from http.HTTPStatus, whose phrases change between
# Python versions (413, 422), so that docs/api.md reads the same on every one.
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


class ApiApp(OpenAPI):
    """The Flask app, with the OpenAPI document of the routes of its `APIBlueprint`s."""

    request_class = FastFormRequest

    def __init__(self, import_name: str, **options: Any) -> None:
        super().__init__(
            import_name,
            info=Info(title="ocrapp", version=api_version(), description=API_DESCRIPTION),
            security_schemes=SECURITY_SCHEMES,
            doc_ui=False,  # /docs is ours (ocrapp.web.docs): Redoc, served from the wheel
            validation_error_status=400,
            validation_error_model=ErrorBody,
            validation_error_callback=refuse_invalid,
            **options,
        )

    def generate_spec_json(self) -> None:
        """Make the document; descriptions keep the docstrings' lines as Markdown."""
        super().generate_spec_json()
        for path_item in self.spec_json["paths"].values():
            for operation in path_item.values():
                # flask-openapi3 joins a docstring's lines with <br/>: one paragraph each.
                if "description" in operation:
                    text = operation["description"].replace("<br/>", "\n").strip()
                    operation["description"] = text


def api_version() -> str:
    """The document's version: the package's, once installed."""
    try:
        return version("ocrapp")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unreleased"


def operation_id(*, name: str, path: str, method: str) -> str:
    """Name each operation after its view (`list_tasks`, `create_task`, ...)."""
    return name


def refusals(codes: dict[int, list[str]]) -> dict[int, dict]:
    """Declare error answers: for each status, the codes it may carry, as an `ErrorBody`."""
    merged = {
        status: COMMON_REFUSALS.get(status, []) + codes.get(status, [])
        for status in sorted(COMMON_REFUSALS.keys() | codes.keys())
    }
    return {
        status: {
            "description": f"{REASONS[status]}: " + ", ".join(f"`{code}`" for code in found),
            "content": ERROR_BODY,
        }
        for status, found in merged.items()
    }


def answers(
    success: dict[int, type[BaseModel] | dict], refused: dict[int, list[str]] | None = None
) -> dict[int, type[BaseModel] | dict]:
    """Declare an operation's answers: its successes, and its refusals besides the common."""
    return success | refusals(refused or {})


def api_blueprint(name: str, import_name: str, description: str) -> APIBlueprint:
    """A part of the API under `/api`: tagged `name`, behind a bearer token."""
    return APIBlueprint(
        name,
        import_name,
        abp_tags=[Tag(name=name, description=description)],
        abp_security=[{"bearerAuth": []}],
        abp_responses=refusals({}),
        operation_id_callback=operation_id,
    )
