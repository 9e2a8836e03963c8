"""The `ocrapp` commands that use a server through its API: submit, status, result, cancel,
delete.

The server is `--url` or OCRAPP_URL, the token `--token` or OCRAPP_TOKEN; the exit codes
are in `exits`.
"""

import functools
import sys
from pathlib import Path

import click

from ocrapp.client import exits
from ocrapp.client.api import RESULT_FORMATS, Client
from ocrapp.client.display import echo_json, task_json, task_line
from ocrapp.client.errors import ApiError
from ocrapp.client.submitting import Submission, decoded_text, encoded, fetch_results, submit_files

FORMAT = click.Choice(RESULT_FORMATS)


def server_options(command):
    """Add the server options; call `command` with a `client`, exiting on ApiError."""

    @click.option(
        "--url",
        envvar="OCRAPP_URL",
        default="http://127.0.0.1:8080",
        show_default=True,
        help="The server [OCRAPP_URL].",
    )
    @click.option("--token", envvar="OCRAPP_TOKEN", required=True, help="API token [OCRAPP_TOKEN].")
    @click.option(
        "--retries",
        envvar="OCRAPP_RETRIES",
        type=click.IntRange(0, 20),
        default=5,
        show_default=True,
        help="Of a request without an answer, or a 429, 502, 503 or 504 [OCRAPP_RETRIES].",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON, one object a line.")
    @functools.wraps(command)
    def with_client(url: str, token: str, retries: int, as_json: bool, **options):
        with Client(url, token, retries=retries) as client:
            try:
                return command(client=client, as_json=as_json, **options)
            except ApiError as error:
                if as_json:
                    echo_json({"error": error.as_json()})
                click.echo(f"Error: {error}", err=True)
                sys.exit(exits.exit_code(error))
            except KeyboardInterrupt:
                click.echo("Interrupted.", err=True)
                sys.exit(exits.INTERRUPTED)

    return with_client


def task_command(function):
    """A command on one task, TASK_ID, with the server options."""
    return click.command(epilog=exits.EXPLAINED)(
        click.argument("task_id")(server_options(function))
    )


def echo_task(task, as_json: bool) -> None:
    """Print the task as one line, or as JSON."""
    echo_json(task_json(task)) if as_json else click.echo(task_line(task))


@click.command(epilog=exits.EXPLAINED)
@click.argument(
    "paths",
    metavar="FILE...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--engine", help="tesseract, easyocr or auto [default: the server's].")
@click.option("--languages", help="e.g. eng+deu, or auto for each page's own [default: eng].")
@click.option("--wait/--no-wait", default=False, help="Follow each task, then print its result.")
@click.option("--format", "result_format", type=FORMAT, default="txt", show_default=True)
@click.option(
    "-o",
    "--output",
    "output_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save each result as DIR/<file's name>.<format> (implies --wait).",
)
@click.option("--timeout", type=float, help="Give up waiting for a task after this many seconds.")
@server_options
def submit(
    client: Client,
    as_json: bool,
    paths: tuple[Path, ...],
    engine: str | None,
    languages: str | None,
    wait: bool,
    result_format: str,
    output_dir: Path | None,
    timeout: float | None,
) -> None:
    """Upload FILEs for OCR and print their task ids; with --wait, show each task's progress
    and print its result (or save it in DIR with -o)."""
    wait = wait or output_dir is not None
    if result_format == "pdf" and output_dir is None:
        raise click.UsageError("--format pdf is saved to files: give -o DIR")
    submissions = [Submission(path) for path in paths]
    try:
        submit_files(client, submissions, {"engine": engine, "languages": languages}, wait, timeout)
        if wait:
            fetch_results(client, submissions, result_format, output_dir)
    finally:  # on Ctrl-C too: the tasks go on on the server, their ids are worth having
        for submission in submissions:
            if submission.task is not None or submission.error is not None:
                submission.report(as_json, several=len(submissions) > 1)
    sys.exit(max(submission.exit_code() for submission in submissions))


@task_command
def status(client: Client, as_json: bool, task_id: str) -> None:
    """Show a task: its status, progress and message, its error or its result's figures."""
    echo_task(client.task(task_id), as_json)


@task_command
@click.option("--format", "result_format", type=FORMAT, default="txt", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def result(
    client: Client, as_json: bool, task_id: str, result_format: str, output: Path | None
) -> None:
    """Print a completed task's result, or save it to OUTPUT."""
    if output is None and result_format == "pdf" and sys.stdout.isatty():
        raise click.UsageError("a PDF is not for the terminal: give -o FILE")
    body = client.result(task_id, result_format)
    if output is not None:
        output.write_bytes(encoded(body))
    elif isinstance(body, bytes):
        click.get_binary_stream("stdout").write(body)
    elif as_json and result_format == "json":
        echo_json(body)  # one line, as --json promises
    else:
        click.echo(decoded_text(body))


@task_command
def cancel(client: Client, as_json: bool, task_id: str) -> None:
    """Cancel a task: a queued one at once, a running one after its current page."""
    echo_task(client.cancel(task_id), as_json)


@task_command
def delete(client: Client, as_json: bool, task_id: str) -> None:
    """Delete a task with its upload and results (a running one is stopped first)."""
    client.delete(task_id)
    echo_json({"taskId": task_id, "deleted": True}) if as_json else click.echo(f"Deleted {task_id}")


COMMANDS = (submit, status, result, cancel, delete)
