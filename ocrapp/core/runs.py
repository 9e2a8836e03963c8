"""Which run of a task or range may write: the one whose token its row holds.

A run's admission (`lifecycle.mark_processing`, `ranges.start_range`) records a new token
in the task's or range's row; the reaper's resend clears it. A run that the reaper took
for lost while it still went on (its heartbeat stalled: a long step holding the GIL, a
paused process) finds another token at its next checkpoint (a progress update, a stored
page, the result, its range's end) and stops there without writing: two runs of one task
never both write.
"""

from dataclasses import dataclass

from sqlalchemy import select

from ocrapp.core.errors import DomainError
from ocrapp.core.models import Task, TaskRange, new_id


class RunSuperseded(DomainError):
    """Another run of the task or range was admitted since: this one stops, not a failure."""

    code = "run_superseded"


@dataclass(frozen=True)
class Run:
    """A run of a task (`first` None) or of its range from page `first`, with its token."""

    task_id: str
    token: str | None
    first: int | None = None

    @classmethod
    def of(cls, admitted: Task | TaskRange) -> "Run":
        """Return the run that `admitted`, a row as its admission left it, stands for."""
        if isinstance(admitted, TaskRange):
            return cls(admitted.task_id, admitted.run_token, admitted.first)
        return cls(admitted.id, admitted.run_token)


def new_run_token() -> str:
    """Return the token of a run being admitted."""
    return new_id()


def check_owner(session, run: Run | None) -> None:
    """Raise RunSuperseded unless `run` still holds its task or range (None: a writer
    outside any run, which claims nothing). Called under the task's row lock."""
    if run is None:
        return
    if run.first is None:
        held = select(Task.run_token).where(Task.id == run.task_id)
    else:
        held = select(TaskRange.run_token).filter_by(task_id=run.task_id, first=run.first)
    if session.scalar(held) != run.token:
        raise RunSuperseded("Another run of this task took it over.")
