"""A task and a page as the API shows them, as typed objects with snake_case names."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

FINISHED = frozenset({"completed", "failed", "cancelled"})


class Answer(BaseModel):
    """A JSON object of the API: camelCase on the wire; fields added later are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class TaskFailure(Answer):
    """Why a task failed: a code for programs and a message for people."""

    code: str
    message: str


class TaskResult(Answer):
    """The figures of a completed task."""

    word_count: int
    page_count: int
    confidence: float | None = None


class Task(Answer):
    """One task: its file, where it stands, and its result's figures once completed."""

    task_id: str
    file_id: str | None = None
    filename: str = ""
    engine: str = ""
    status: str
    progress: int = 0
    page: int | None = None
    page_count: int | None = None
    message: str | None = None
    languages: list[str] = []
    force_ocr: bool = False
    error: TaskFailure | None = None
    attempts: int = 0
    cancel_requested: bool = False
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    queue_position: int | None = None
    estimated_start_at: datetime | None = None
    result: TaskResult | None = None

    @property
    def finished(self) -> bool:
        """Whether the task is completed, failed or cancelled: nothing more will change."""
        return self.status in FINISHED


class PageSummary(Answer):
    """One finished page: how it was read, and the API paths of its json and txt."""

    number: int
    source: str = ""
    rotation: int = 0
    skew: float = 0.0
    word_count: int = 0
    confidence: float | None = None
    links: dict[str, str] = {}


class PageList(Answer):
    """The pages of a task finished so far; all of them once it is completed."""

    task_id: str
    status: str
    page_count: int | None = None
    pages: list[PageSummary]
