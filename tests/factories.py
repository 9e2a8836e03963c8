"""Rows made directly in the database, for tests that need a task in a given state."""

from sqlalchemy import update

from ocrapp.core.db import db
from ocrapp.core.models import File, FileType, Task


def queued_task(user_id: int, filename: str = "page.png", queue: str = "small") -> str:
    """Record a queued task for `user_id`, as the API does, and return its id."""
    with db.session() as session:
        file = File(
            user_id=user_id,
            original_filename=filename,
            stored_filename=filename,
            file_type=FileType.IMAGE,
            content_type="image/png",
            storage_key=f"users/{user_id}/uploads/{filename}",
            size_bytes=1,
            sha256="0" * 64,
        )
        task = Task(
            user_id=user_id,
            file=file,
            queue=queue,
            engine="easyocr",
            message="Waiting for a worker",
        )
        session.add(task)
        session.flush()
        return task.id


def set_task(task_id: str, **values) -> None:
    """Change columns of a task's row, as a worker would have left them."""
    with db.session() as session:
        session.execute(update(Task).where(Task.id == task_id).values(**values))
