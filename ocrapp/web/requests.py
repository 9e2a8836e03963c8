"""Reading a request: what does not validate as a 400, the caller's own task, a page of tasks."""

from dataclasses import dataclass
from typing import NoReturn

from flask import g, request
from pydantic import ValidationError
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from ocrapp.core.models import Task
from ocrapp.core.task_view import TaskView
from ocrapp.web.errors import ApiError
from ocrapp.web.schemas import ListQuery


def refuse_invalid(error: ValidationError) -> NoReturn:
    """Answer 400 saying what is wrong (flask-openapi3's `validation_error_callback`)."""
    problems = error.errors()
    if any(problem["loc"] == ("file",) for problem in problems):
        message = "Send the file in the multipart form field 'file'."
        if unreadable := getattr(request, "form_problem", None):
            message = f"The multipart form could not be read ({unreadable}). {message}"
        raise ApiError(400, "missing_file", message)
    if any(not problem["loc"] for problem in problems):  # a JSON body that is no object
        raise ApiError(400, "invalid_request", "Send a JSON object.")
    message = "; ".join(
        f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" for problem in problems
    )
    raise ApiError(400, "invalid_request", message) from error


def load_own_task(session, task_id: str) -> Task:
    """Return the caller's task, or 404 (also for another user's task)."""
    task = session.get(Task, task_id)
    if task is None or task.user_id != g.user_id:
        raise ApiError(404, "task_not_found", f"No task {task_id}.")
    return task


@dataclass(frozen=True)
class TaskListing:
    """A list of tasks, its statements built once: a page of it, newest first, and its count.

    Building and hashing the page's statement anew cost a third of a cheap read's CPU; a
    statement kept here is compiled once, its bounds and criteria bound at each execution.
    """

    page: Select
    count: Select

    @classmethod
    def of(cls, tasks: Select) -> "TaskListing":
        """List `tasks`; its bind parameters are given to `task_page`."""
        # The total comes with the page's rows, in one query; counted apart only past the end.
        page = (
            tasks.add_columns(func.count().over().label("total"))
            .options(selectinload(Task.result))
            .order_by(Task.created_at.desc(), Task.id)
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )
        return cls(page, select(func.count()).select_from(tasks.subquery()))


OWN_TASKS = TaskListing.of(select(Task).where(Task.user_id == bindparam("user_id")))
ALL_TASKS = TaskListing.of(select(Task))


def task_page(
    session, listing: TaskListing, query: ListQuery, owner: bool = False, **criteria
) -> dict:
    """Return a page of `listing`, as `TaskPage` JSON; `owner`: with `userId`."""
    offset = (query.page - 1) * query.per_page
    bounds = {"limit": query.per_page, "offset": offset}
    rows = session.execute(listing.page, bounds | criteria).all()
    if rows:
        total = rows[0].total
    elif offset:
        total = session.scalar(listing.count, criteria)
    else:
        total = 0
    items = [TaskView.of(session, row.Task, in_line=False, owner=owner).as_json() for row in rows]
    return {"tasks": items, "page": query.page, "perPage": query.per_page, "total": total}
