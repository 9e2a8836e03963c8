"""SQLAlchemy models: users, uploaded files, OCR tasks and their results, webhooks."""

import enum
import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """Make a stored time zone-aware: SQLite hands back naive datetimes, stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def new_id() -> str:
    """Return a new random UUID as a string."""
    return str(uuid.uuid4())


def new_row(item: "Base") -> dict:
    """The column values of a new, unsaved `item`, for an INSERT built once on its table.

    As the ORM's flush would: each unset column with a Python-side default gets it (on
    `item` too), the others are left out (SQL NULL or the server's default, where a JSON
    column given None would store JSON `null`); `item` stays outside any session.
    """
    values = {}
    for column in item.__table__.columns:
        value = getattr(item, column.key)
        if value is None and column.default is not None:
            value = column.default.arg(None) if column.default.is_callable else column.default.arg
            setattr(item, column.key, value)
        if value is not None:
            values[column.key] = value
    return values


class TaskStatus(enum.StrEnum):
    """Where a task is in its life; `completed`, `failed` and `cancelled` are final."""

    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether no further change will happen."""
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)


class FileType(enum.StrEnum):
    """What kind of file an upload is."""

    PDF = "pdf"
    IMAGE = "image"
    DOCUMENT = "document"


def _enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a named type where the database has them."""
    return Enum(enum_class, name=name, values_callable=lambda members: [m.value for m in members])


class Base(DeclarativeBase):
    """The declarative base of every model; datetimes are stored with their time zone."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class User(Base):
    """Someone who submits files, known by their API tokens."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A priority user's tasks go to the priority queue, which every pool serves first.
    priority: Mapped[bool] = mapped_column(default=False, server_default=false())
    # An argon2 hash (ocrapp.webapp.passwords); None: the user signs in with tokens only.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded when asked for: every request loads a token's user, and needs no other tokens.
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", order_by="ApiToken.id")


class ApiToken(Base):
    """An API token, stored as a hash; listed by its prefix, named, revocable, expiring."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The token that made it over the API (None from the CLI): revoking that revokes this.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined", innerjoin=True)


class File(Base):
    """An uploaded file, kept in object storage under `storage_key`."""

    __tablename__ = "files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_filename: Mapped[str] = mapped_column(String(64))
    file_type: Mapped[FileType] = mapped_column(_enum(FileType, "file_type"))
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(512))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # As counted at upload (1 for a file whose pages cannot be counted there).
    page_count: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Task(Base):
    """One OCR job on one file; its status is written only by `ocrapp.core.lifecycle`."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_tasks_user_id_idempotency_key"),
        # Queue positions count the queued tasks of a queue submitted before one.
        Index("ix_tasks_status_queue_created_at", "status", "queue", "created_at"),
        # Estimated starts read the run times of a queue's tasks finished in the last hour.
        Index("ix_tasks_queue_status_finished_at", "queue", "status", "finished_at"),
        # The reaper deletes tasks finished before the retention cutoff, oldest first.
        Index("ix_tasks_finished_at", "finished_at"),
        # The reaper publishes again what Redis missed: a few rows, read every pass.
        Index(
            "ix_tasks_update_unpublished",
            "update_unpublished",
            postgresql_where=text("update_unpublished"),
            sqlite_where=text("update_unpublished"),
        ),
    )

    # Also the Celery task id, so a broker message maps straight to its row.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    engine: Mapped[str] = mapped_column(String(32))
    # The kind of queue it is routed to (ocrapp.core.scheduling): small, large or priority.
    queue: Mapped[str] = mapped_column(String(16), default="small", server_default="small")
    status: Mapped[TaskStatus] = mapped_column(
        _enum(TaskStatus, "task_status"), default=TaskStatus.QUEUED, index=True
    )
    progress: Mapped[int] = mapped_column(Integer, default=0)
    page: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(255), default="")
    # What the request asked for: {"languages": [...], "forceOcr": bool}.
    options: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    error: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The client's Idempotency-Key: a repeated request gets this task, not a new one.
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # When the broker took the task; None while it waits for the broker (the outbox).
    enqueued_at: Mapped[datetime | None]
    # Set on a running task; the worker stops at the next page boundary.
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The token of the run that holds the task, recorded at its admission (`runs`).
    run_token: Mapped[str | None] = mapped_column(String(36))
    # Its final update never reached Redis (away longer than `lifecycle` tries): the reaper
    # publishes the task's state again, so that its sockets learn how it ended.
    update_unpublished: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    file: Mapped[File] = relationship(lazy="joined", innerjoin=True)
    # Loaded when read: most loads of a task (status changes, progress) never read it.
    result: Mapped["Result | None"] = relationship(back_populates="task")


class TaskPage(Base):
    """A page of a task, recorded as soon as it is recognised, so that a retry can resume."""

    __tablename__ = "task_pages"
    __table_args__ = (UniqueConstraint("task_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    # Degrees (anticlockwise) its lines rose by: it was turned back by as much to be read.
    skew: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    word_count: Mapped[int] = mapped_column(Integer)
    confidence_score: Mapped[float] = mapped_column(Float)
    result_key: Mapped[str] = mapped_column(String(512))
    # What the page's JSON takes in storage: it counts towards the user's quota.
    size_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RangeStatus(enum.StrEnum):
    """Where a page range of a split task is; `done` is final."""

    WAITING = "waiting"  # planned, not sent yet (SPLIT_WIDTH ranges at most are out)
    SENT = "sent"
    RUNNING = "running"
    ASSEMBLING = "assembling"  # the last range to finish, storing the task's result
    DONE = "done"


class TaskRange(Base):
    """Pages `first`..`last` of a split task, read by a Celery task of their own."""

    __tablename__ = "task_ranges"
    __table_args__ = (UniqueConstraint("task_id", "first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=RangeStatus.WAITING)
    # Runs of this range, as the task's `attempts` counts runs of the task.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The Celery task id of the range's message (the same on each send).
    celery_id: Mapped[str] = mapped_column(String(64))
    # `hostname:pid` of the process that ran it last.
    worker: Mapped[str | None] = mapped_column(String(255))
    # The token of the run that holds the range, recorded at its start (`runs`).
    run_token: Mapped[str | None] = mapped_column(String(36))
    sent_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Result(Base):
    """The outcome of a completed task; the result files are in object storage."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), unique=True)
    result_key: Mapped[str] = mapped_column(String(512))
    extracted_text: Mapped[str] = mapped_column(Text)
    confidence_score: Mapped[float] = mapped_column(Float)
    word_count: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    # What every format takes in storage, the searchable PDF included: it counts towards
    # the user's quota.
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship(back_populates="result")

    def summary(self) -> dict:
        """Return the figures shown with a completed task."""
        return {
            "wordCount": self.word_count,
            "pageCount": self.page_count,
            "confidence": self.confidence_score,
        }


class DeliveryStatus(enum.StrEnum):
    """Where a webhook delivery is: still being tried, delivered, or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(Base):
    """A URL a user asked to be called on events of their tasks, with its signing secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(255), default="")
    # The event types it is subscribed to (ocrapp.webhooks.events.EventType values).
    events: Mapped[list] = mapped_column(JSON, default=list)
    # Kept as it is, not hashed: every delivery is signed with it (`whsec_` + base64).
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs too, until `previous_secret_expires_at`.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    # The first failed attempt since the last success; None while it succeeds.
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event to send to one endpoint; its id is the `webhook-id` of every try."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The sweep looks for due pending deliveries.
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(32))
    # Not a foreign key: what was sent about a task outlives the task.
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # The body exactly as signed and sent, the same on every try.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    # When the next try is due; a claimed delivery is pushed on by its lease.
    next_attempt_at: Mapped[datetime | None]
    # When the try under way was taken; None once its outcome is recorded.
    claimed_at: Mapped[datetime | None]
    # Failed tries are retried until then (a redelivery sets it afresh).
    retry_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]

    attempts: Mapped[list["WebhookAttempt"]] = relationship(
        order_by="WebhookAttempt.id", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookAttempt(Base):
    """One try at sending a delivery: what came back, how long it took, what went wrong."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(255))
