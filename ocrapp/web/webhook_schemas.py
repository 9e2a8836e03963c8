"""What the webhooks API reads and answers, as pydantic schemas."""

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ocrapp.core.task_view import Schema, Timestamp
from ocrapp.web.schemas import Parameters
from ocrapp.webhooks.events import EventType

URL = {
    "min_length": 1,
    "max_length": 2048,
    "description": "Where deliveries are POSTed: `https` (or `http` where the service allows "
    "it), at a public address.",
}
EVENTS = {"min_length": 1, "max_length": len(EventType), "description": "The events to send."}
DESCRIPTION = {"max_length": 255, "pattern": r"^[^\x00-\x1f\x7f]*$", "description": "A note."}


class NewWebhook(BaseModel):
    """An endpoint to make: where, for which events, and a note for yourself."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(**URL)
    events: list[EventType] = Field(**EVENTS)
    description: str = Field("", **DESCRIPTION)


class WebhookChange(BaseModel):
    """What to change of an endpoint; `enabled: true` turns a disabled one back on."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(None, **URL)
    events: list[EventType] | None = Field(None, **EVENTS)
    description: str | None = Field(None, **DESCRIPTION)
    enabled: StrictBool | None = None


class WebhookPath(BaseModel):
    webhook_id: str = Field(max_length=36, description="The endpoint's id.")


class DeliveryPath(WebhookPath):
    delivery_id: str = Field(max_length=40, description="The delivery's id, `msg_...`.")


class DeliveryQuery(Parameters):
    limit: int = Field(20, ge=1, le=100, description="Deliveries to list, newest first.")


class RowView(Schema):
    """A row as JSON: read from its attributes, written by camelCase names."""

    model_config = ConfigDict(from_attributes=True)

    def as_json(self) -> dict:
        """The view as JSON, by its camelCase names."""
        return self.model_dump(mode="json", by_alias=True)


class WebhookView(RowView):
    """An endpoint, without its secret."""

    id: str
    url: str
    events: list[EventType]
    description: str
    enabled: bool
    disabled_reason: str | None = Field(description="Why it was disabled, if it was.")
    failing_since: Timestamp = Field(description="Every try since then failed (UTC).")
    previous_secret_expires_at: Timestamp = Field(
        description="After a rotation, the old secret signs too until then."
    )
    created_at: Timestamp
    updated_at: Timestamp


class NewWebhookView(WebhookView):
    secret: str = Field(description="The signing secret, `whsec_` + base64: shown only here.")


class WebhookList(BaseModel):
    webhooks: list[WebhookView] = Field(description="Oldest first.")


class NewSecret(Schema):
    secret: str = Field(description="The new signing secret: shown only here.")
    previous_secret_expires_at: Timestamp = Field(
        description="The old secret signs alongside the new one until then."
    )


class AttemptView(RowView):
    """One try: the receiver's status, how long it took, what went wrong."""

    attempted_at: Timestamp
    status_code: int | None = Field(description="None when no answer came.")
    duration_ms: int
    error: str | None


class DeliveryView(RowView):
    """One event sent to one endpoint; `id` is the `webhook-id` header of each try."""

    id: str
    event_type: EventType
    task_id: str | None
    status: str = Field(description="`pending`, `delivered` or `failed` (given up).")
    attempt_count: int
    next_attempt_at: Timestamp = Field(description="When it is tried next, while pending.")
    created_at: Timestamp
    finished_at: Timestamp
    attempts: list[AttemptView] = Field(description="Oldest first.")


class DeliveryList(BaseModel):
    deliveries: list[DeliveryView] = Field(description="Newest first.")
