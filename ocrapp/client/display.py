"""How the commands show tasks: a progress bar per file on a terminal, a line per update
otherwise, and a task as one line or as JSON."""

import json
import threading

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from ocrapp.client.models import Task


def task_line(task: Task) -> str:
    """The task's state as one line: `task <id>: <status> <progress>% <message> [<code>] ...`."""
    line = f"task {task.task_id}: {task.status} {task.progress}% {task.message or ''}".rstrip()
    if task.status == "queued" and task.queue_position:
        line += f" (position {task.queue_position})"
    if task.error is not None:
        line += f" [{task.error.code}] {task.error.message}"
    if task.result is not None:
        line += f" ({task.result.word_count} words, {task.result.page_count} pages)"
    return line


def task_json(task: Task) -> dict:
    """The task as the API writes it, camelCase."""
    return task.model_dump(mode="json", by_alias=True)


def echo_json(value) -> None:
    """Print `value` as one line of JSON."""
    click.echo(json.dumps(value, ensure_ascii=False))


class TaskProgress:
    """Progress bars of the files being followed, on standard error; lines if not a terminal."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.bars = self.console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[state]}"),
            console=self.console,
            disable=not self.bars,
        )
        self.lock = threading.Lock()

    def __enter__(self) -> "TaskProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.progress.stop()

    def add(self, name: str) -> TaskID:
        """Add a bar for the file `name`."""
        return self.progress.add_task(name, total=100, state="uploading")

    def show(self, bar: TaskID, task: Task) -> None:
        """Show the task's new state on its bar, or as a line."""
        if self.bars:
            state = task.error.code if task.error else task.message or task.status
            self.progress.update(bar, completed=task.progress, state=f"{task.status}: {state}")
        else:
            with self.lock:
                click.echo(task_line(task), err=True)

    def show_error(self, bar: TaskID, error) -> None:
        """Show on its bar that the file was refused (lines report errors at the end)."""
        if self.bars:
            self.progress.update(bar, state=f"error: {error.code}")
