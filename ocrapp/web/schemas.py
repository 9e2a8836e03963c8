"""What the API reads and answers, as pydantic schemas: the OpenAPI document is made of them.

flask-openapi3 validates each view's `path`, `query`, `form`, `header` and `body` against
these before the view runs; a task is always `ocrapp.core.task_view.TaskView`.
"""

import json
import re
from typing import Annotated, Literal

from flask_openapi3 import FileStorage
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import FileStorage as Upload

from ocrapp.core.models import ApiToken
from ocrapp.core.task_view import Schema, TaskView, Timestamp
from ocrapp.core.tokens import token_is_live
from ocrapp.realtime.events import MessageType
from ocrapp.web.schema_once import SchemaOnce

TASK_ID = Field(description="The task's id, a UUID.", json_schema_extra={"format": "uuid"})


class ErrorDetail(BaseModel):
    """What went wrong: a code a program can act on, a sentence a person can read."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer: `{"error": {"code", "message", ...}}`, some with more fields."""

    error: ErrorDetail


class Parameters(SchemaOnce):
    """Query or form fields: unknown ones refused, each read by its camelCase name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def once_each(cls, values):
        """Drop a field sent by its snake_case name that flask-openapi3 also passes by alias."""
        if isinstance(values, dict):
            for name, field in cls.model_fields.items():
                if field.alias in values and values.get(name, ...) == values[field.alias]:
                    values = {key: value for key, value in values.items() if key != name}
        return values


class ListQuery(Parameters):
    page: int = Field(1, ge=1, le=1_000_000, description="From 1.")
    per_page: int = Field(20, ge=1, le=100, alias="perPage", description="Tasks per page.")


class TaskPage(Schema):
    """One page of tasks, newest first."""

    tasks: list[TaskView]
    page: int
    per_page: int
    total: int = Field(description="Tasks on all pages.")


class TaskPath(BaseModel):
    task_id: str = TASK_ID


class TaskQuery(Parameters):
    wait: float = Field(
        0, ge=0, le=60, description="Seconds to wait for the task's status to change."
    )


def as_sent(value):
    """Return a form value as it was sent: flask-openapi3 decodes what reads as JSON."""
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    return value if isinstance(value, str | Upload) or value is None else json.dumps(value)


class SubmitForm(Parameters):
    """The multipart form of an upload: the file, and how to read it."""

    file: FileStorage = Field(description="An image (PNG, JPEG, TIFF, WebP, BMP, GIF) or a PDF.")
    engine: str | None = Field(
        None, max_length=32, description="As listed by `GET /api/engines`; `OCR_ENGINE` if none."
    )
    languages: list[Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,15}$")]] = Field(
        ["eng"],
        min_length=1,
        max_length=8,
        description="Tesseract's names, separated by `+`, `,` or spaces (`eng+deu`), "
        "or `auto` alone: each page's own language, detected.",
    )
    force_ocr: bool = Field(
        False, alias="forceOcr", description="Read PDF pages that have a text layer by OCR too."
    )

    @model_validator(mode="before")
    @classmethod
    def fields_as_sent(cls, values):
        """Take every field as the text it was sent as (`engine=12` is an engine named 12)."""
        return {key: as_sent(value) for key, value in values.items()}

    @field_validator("file", mode="before")
    @classmethod
    def uploaded(cls, value):
        """Refuse a `file` sent as a text field rather than as a file."""
        if not isinstance(value, Upload):
            raise PydanticCustomError("missing", "Field required")
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def split_languages(cls, value):
        """Accept `eng+deu`, `eng,deu`, `ENG` or `eng+`, as Tesseract and people write them."""
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list):
            return value
        parts = [
            part.lower() if isinstance(part, str) else part
            for item in values
            for part in (re.split(r"[+,\s]+", item.strip()) if isinstance(item, str) else [item])
            if part != ""
        ]
        return parts

    @field_validator("languages")
    @classmethod
    def auto_alone(cls, value):
        """Refuse `auto` (the page's own language, detected) beside named languages."""
        if "auto" in value and len(value) > 1:
            raise ValueError("'auto' detects the language; name no other beside it")
        return value


def key_schema(schema: dict) -> None:
    """Document the key as a string of 1 to 255 characters, checked by `printable`."""
    schema.update(minLength=1, maxLength=255)
    schema.pop("default")


class SubmitHeaders(SchemaOnce):
    idempotency_key: str = Field(
        None,
        alias="Idempotency-Key",
        description="Submit at most once per key: a repeat answers 200 with the first task.",
        json_schema_extra=key_schema,
    )

    @field_validator("idempotency_key")
    @classmethod
    def printable(cls, value: str) -> str:
        """Refuse an empty key, a longer one, or one with control characters."""
        if not (1 <= len(value) <= 255 and value.isprintable()):
            raise PydanticCustomError("idempotency_key", "1 to 255 printable characters.")
        return value


class TaskEvent(Schema):
    """A kept update, as the WebSocket sent it."""

    type: MessageType
    seq: str = Field(description="Its place in the user's updates, `<ms>-<n>`.")
    timestamp: str
    data: TaskView


class TaskEvents(Schema):
    task_id: str
    events: list[TaskEvent] = Field(description="Oldest first.")


class EngineOffer(BaseModel):
    languages: list[str]
    devices: list[str] = Field(description="`cpu`, `cuda`: where the workers run it.")


class Engine(EngineOffer):
    name: str


class EngineList(BaseModel):
    default: str = Field(description="The engine of a submission that names none.")
    engines: list[Engine] = Field(description="Empty until a worker has reported.")


class ResultQuery(Parameters):
    format: Literal["json", "txt", "html", "hocr", "pdf"] = "json"
    redirect: bool = Field(False, description="With S3 storage: a 302 to a signed URL.")


class FileQuery(Parameters):
    redirect: bool = Field(False, description="With S3 storage: a 302 to a signed URL.")


class TokenPath(BaseModel):
    token_id: int = Field(ge=0, le=2_147_483_647, description="The token's id.")


class NewToken(BaseModel):
    """A token to make: its name, and in how many days it expires (never without)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    expires_in_days: int | None = Field(None, ge=1, le=3650, alias="expiresInDays")


class TokenView(Schema):
    """A token, without its secret."""

    id: int
    name: str
    prefix: str = Field(description="Its first 12 characters.")
    live: bool = Field(description="Neither revoked nor expired.")
    current: bool = Field(description="The token this request was made with.")
    parent_id: int | None = Field(
        description="The token that made it over the API, whose revocation revokes it too; "
        "null for a token made with `ocrapp`."
    )
    created_at: Timestamp
    expires_at: Timestamp
    revoked_at: Timestamp
    last_used_at: Timestamp = Field(description="Written at most once a minute.")

    @classmethod
    def of(cls, token: ApiToken, current_token_id: int | None) -> "TokenView":
        """Describe `token`; `current` if it is the one with id `current_token_id`."""
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            live=token_is_live(token),
            current=token.id == current_token_id,
            parent_id=token.parent_id,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )

    def as_json(self) -> dict:
        """The token as JSON, by its camelCase names."""
        return self.model_dump(mode="json", by_alias=True)


class NewTokenView(TokenView):
    """A token just made, with its secret: the only answer that carries it."""

    token: str


class TokenList(BaseModel):
    tokens: list[TokenView] = Field(description="Newest first.")


class WsTicket(Schema):
    """A single-use ticket that opens one WebSocket, `/ws?ticket=<ticket>`, in place of a
    token in the URL."""

    ticket: str
    expires_at: Timestamp = Field(description="Unused by then, it no longer opens anything.")


class UserSummary(BaseModel):
    id: int
    email: str
    admin: bool
    tasks: int = Field(description="How many tasks the user has.")


class UserList(BaseModel):
    users: list[UserSummary]


class Worker(BaseModel):
    name: str
    queues: list[str]


class Throughput(Schema):
    """The last hour's work."""

    tasks_started: int
    tasks_finished: dict[str, int] = Field(description="By final status.")
    failures_by_code: dict[str, int] = Field(description="Failed tasks by `error.code`.")
    pages_completed: int
    pages_per_minute: float
    queue_wait_seconds: dict[str, float] = Field(description="mean, p50, p95, max; {} if none.")
    seconds_per_page: dict[str, float] = Field(description="By engine.")


class Stats(Schema):
    queues: dict[str, int] | None = Field(description="Messages waiting; null unless Redis.")
    workers: list[Worker] = Field(description="Those that answered within a second.")
    engines: dict[str, EngineOffer] | None = Field(description="null with Redis away.")
    tasks: dict[str, int] = Field(description="By status.")
    last_hour: Throughput
