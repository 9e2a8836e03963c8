"""`ocrapp submit`: upload files, follow their tasks side by side, then print or save results."""

import itertools
import json
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.progress import TaskID

from ocrapp.client import exits
from ocrapp.client.api import Client, readable_name
from ocrapp.client.display import TaskProgress, echo_json, task_json
from ocrapp.client.errors import TIMED_OUT, ApiError
from ocrapp.client.following import Follower, Stopped
from ocrapp.client.models import Task

# Tasks followed at once, each over its own WebSocket (the server allows 20 a user).
MOST_FOLLOWED = 8


@dataclass
class Submission:
    """One file of `ocrapp submit`: its task, its result or where it was saved, or its error."""

    path: Path
    bar: TaskID | None = None
    task: Task | None = None
    error: ApiError | None = None
    result: Any = None
    output: Path | None = None
    follower: Follower | None = None

    def send(self, client: Client, options: dict, progress: TaskProgress) -> None:
        """Upload the file and show its task, queued."""
        self.bar = progress.add(readable_name(self.path.name))
        try:
            self.task = client.submit(self.path, **options)
        except ApiError as error:
            self.error = error
            progress.show_error(self.bar, error)
        else:
            progress.show(self.bar, self.task)

    def follow(self, client: Client, progress: TaskProgress, timeout: float | None) -> None:
        """Show each update of the task until it is finished, or `stop()` is called."""
        self.follower = Follower(
            client,
            self.task.task_id,
            lambda task: progress.show(self.bar, task),
            timeout,
            last=self.task,  # shown once uploaded: not again
        )
        try:
            self.task = self.follower.run()
        except Stopped:
            pass
        except TimeoutError as error:
            self.error = ApiError(None, TIMED_OUT, str(error))
        except ApiError as error:
            self.error = error

    def stop(self) -> None:
        """Stop following the task, from another thread."""
        if self.follower is not None:
            self.follower.stop()

    def fetch(self, client: Client, result_format: str, folder: Path | None) -> None:
        """Fetch the completed task's result; save it in `folder` if given, over no file."""
        try:
            self.result = client.result(self.task.task_id, result_format)
        except ApiError as error:
            self.error = error
            return
        if folder is not None:
            body = encoded(self.result)
            self.result = None
            self.output = save_new(folder, self.path.stem, result_format, body)

    def exit_code(self) -> int:
        """The exit code of this file: done, its task failed, refused, or unavailable."""
        if self.error is not None:
            return exits.exit_code(self.error)
        failed = self.task.finished and self.task.status != "completed"
        return exits.TASK_FAILED if failed else exits.DONE

    def report(self, as_json: bool, several: bool) -> None:
        """Print the outcome: the result, where it was saved, or the task id; errors on stderr."""
        if as_json:
            echo_json(
                {
                    "file": readable_name(self.path),
                    "task": self.task and task_json(self.task),
                    "output": self.output and str(self.output),
                    "result": self.result if not isinstance(self.result, bytes) else None,
                    "error": self.error and self.error.as_json(),
                }
            )
        if self.error is not None:
            click.echo(f"{readable_name(self.path)}: Error: {self.error}", err=True)
        elif as_json:
            return
        elif self.result is not None:
            if several:
                click.echo(f"==> {readable_name(self.path)} <==")
            click.echo(decoded_text(self.result))
        else:
            click.echo(self.output or self.task.task_id)


def submit_files(
    client: Client, submissions: list[Submission], options: dict, wait: bool, timeout
) -> None:
    """Upload every file, then (with `wait`) follow their tasks side by side."""
    with TaskProgress() as progress:
        for submission in submissions:
            submission.send(client, options, progress)
        waiting = [s for s in submissions if wait and s.task is not None and not s.task.finished]
        if waiting:
            follow_side_by_side(client, waiting, progress, timeout)


def follow_side_by_side(
    client: Client, waiting: list[Submission], progress: TaskProgress, timeout
) -> None:
    """Follow the tasks, MOST_FOLLOWED at once; on Ctrl-C, stop them and return at once.

    The followers are daemon threads, not a ThreadPoolExecutor's, whose threads the
    interpreter joins at exit: one in a long poll would hold Ctrl-C up for a minute.
    """
    pending: queue.SimpleQueue[Submission] = queue.SimpleQueue()
    for submission in waiting:
        pending.put(submission)
    stopping, failures = threading.Event(), []

    def follow_pending() -> None:
        while not stopping.is_set():
            try:
                pending.get_nowait().follow(client, progress, timeout)
            except queue.Empty:
                return
            except Exception as error:  # raised in the main thread, not lost
                failures.append(error)
                return

    threads = [
        threading.Thread(target=follow_pending, name="follower", daemon=True)
        for _ in range(min(len(waiting), MOST_FOLLOWED))
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        stopping.set()
        for submission in waiting:
            submission.stop()
        raise
    if failures:
        raise failures[0]


def fetch_results(
    client: Client, submissions: list[Submission], result_format: str, folder: Path | None
) -> None:
    """Fetch each completed task's result, into `folder` as <file's name>.<format> if given."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    for submission in submissions:
        if submission.error is None and submission.task.status == "completed":
            submission.fetch(client, result_format, folder)


def save_new(folder: Path, stem: str, suffix: str, body: bytes) -> Path:
    """Save `body` as the first of folder/`stem`, `stem-2` ... (.`suffix`) not there yet.

    Never over a file: not the user's (`-o .` beside letter.pdf), nor one saved earlier in
    the run (a.png, a.jpg: a, a-2). Exclusive creation, so not over one made meanwhile either.
    """
    for name in itertools.chain([stem], (f"{stem}-{number}" for number in itertools.count(2))):
        path = folder / f"{name}.{suffix}"
        try:
            with path.open("xb") as file:
                file.write(body)
        except FileExistsError:
            continue
        return path


def encoded(result: Any) -> bytes:
    """A result as the bytes of its file: JSON indented, text in UTF-8."""
    if isinstance(result, bytes):
        return result
    return decoded_text(result).encode()


def decoded_text(result: Any) -> str:
    """A result as text: JSON indented, text as it is."""
    if isinstance(result, str):
        return result
    return json.dumps(result, indent=2, ensure_ascii=False)
