"""A task as every client sees it: one schema for the API, the WebSocket and admins."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from ocrapp.core.models import Task, TaskStatus, as_utc
from ocrapp.core.scheduling import Place, places_in_line


def timestamp(moment: datetime | None) -> str | None:
    """Format `moment` as ISO 8601 in UTC with milliseconds and a Z; None stays None."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[
    datetime | None, PlainSerializer(timestamp, return_type=str | None, when_used="always")
]


class Schema(BaseModel):
    """A JSON object with camelCase names, as every answer of ocrapp is written."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TaskFailure(BaseModel):
    """Why a task failed: a code a program can act on, and a sentence a person can read."""

    code: str
    message: str


class ResultSummary(Schema):
    """The figures shown with a completed task."""

    word_count: int
    page_count: int
    confidence: float | None = Field(description="Mean word confidence, 0 to 1.")


class TaskView(Schema):
    """One task: its file, its options, where it stands, and its result once completed."""

    task_id: str = Field(description="The task's id, a UUID.")
    file_id: str = Field(description="The uploaded file's id.")
    filename: str = Field(description="The file's name as uploaded, made safe to show.")
    engine: str = Field(description="The engine asked for: `auto`, `tesseract` or `easyocr`.")
    status: TaskStatus = Field(
        description="`queued`, `processing`, then `completed`, `failed` or `cancelled` (final)."
    )
    progress: int = Field(description="Percent done, 0 to 100.")
    page: int | None = Field(description="The page being read, from 1.")
    page_count: int | None = Field(description="The file's pages, once a worker opened it.")
    message: str | None = Field(description="What is happening, for a person to read.")
    languages: list[str] = Field(description="Tesseract language codes asked for, or `auto`.")
    force_ocr: bool = Field(description="Whether PDF pages with text are read again by OCR.")
    error: TaskFailure | None = Field(description="Why it failed, once `failed`.")
    attempts: int = Field(description="Runs a worker started (more after a lost worker).")
    cancel_requested: bool = Field(description="A cancel was asked while it was running.")
    created_at: Timestamp = Field(description="When it was submitted (UTC).")
    started_at: Timestamp = Field(description="When a worker last started it.")
    finished_at: Timestamp = Field(description="When it reached a final status.")
    queue_position: int | None = Field(
        None, description="Tasks ahead of this one, while it is queued (single tasks only)."
    )
    estimated_start_at: Timestamp = Field(
        None, description="When it should start, while it is queued (single tasks only)."
    )
    result: ResultSummary | None = Field(None, description="Once completed.")
    user_id: int | None = Field(None, description="The owner (admin lists only).")

    @classmethod
    def of(cls, session, task: Task, *, in_line: bool = True, owner: bool = False) -> "TaskView":
        """Describe `task`, inside its session; `in_line`: with its place in the queue."""
        view = cls(
            task_id=task.id,
            file_id=task.file_id,
            filename=task.file.original_filename,
            engine=task.engine,
            status=task.status,
            progress=task.progress,
            page=task.page,
            page_count=task.page_count,
            message=task.message,
            languages=task.options.get("languages", ["eng"]),
            force_ocr=task.options.get("forceOcr", False),
            error=task.error,
            attempts=task.attempts,
            cancel_requested=task.cancel_requested,
            created_at=task.created_at,
            started_at=task.started_at,
            finished_at=task.finished_at,
            user_id=task.user_id if owner else None,
        )
        if in_line and task.status is TaskStatus.QUEUED:
            place = places_in_line(session, [task]).get(task.id)  # None: deleted meanwhile
            if place is not None:
                view.place(place)
        if task.status is TaskStatus.COMPLETED and task.result is not None:
            view.result = ResultSummary.model_validate(task.result.summary())
        return view

    @classmethod
    def many(cls, session, tasks: list[Task]) -> list["TaskView"]:
        """Describe `tasks`, the queued ones with their places in line: one query for all."""
        views = [cls.of(session, task, in_line=False) for task in tasks]
        places = places_in_line(session, [t for t in tasks if t.status is TaskStatus.QUEUED])
        for view in views:
            if view.task_id in places:
                view.place(places[view.task_id])
        return views

    def place(self, place: Place) -> None:
        """Show where the queued task stands in its queue."""
        self.queue_position, self.estimated_start_at = place.position, place.start

    def as_json(self) -> dict:
        """The view as JSON, by its camelCase names; admins' `userId` only when set."""
        return self.model_dump(mode="json", by_alias=True, exclude={"user_id"}) | (
            {"userId": self.user_id} if self.user_id is not None else {}
        )
