"""The exit codes of the `ocrapp` client commands, for scripts to act on."""

from ocrapp.client.errors import ApiError

DONE = 0
TASK_FAILED = 1  # submit --wait: a task failed or was cancelled
USAGE = 2  # click's own
REFUSED = 3  # an error answer: task_not_found, result_not_ready, unauthorized ...
UNAVAILABLE = 4  # no answer, a 5xx, or a wait that timed out
INTERRUPTED = 130  # Ctrl-C (SIGINT), as shells report it: 128 + 2
EXPLAINED = (
    "Exit codes: 0 done; 1 a task waited for failed or was cancelled; 2 a usage error; "
    "3 the server refused the request; 4 the server could not be reached, failed, "
    "or a wait timed out; 130 interrupted (Ctrl-C)."
)


def exit_code(error: ApiError) -> int:
    """The exit code of a request that failed with `error`."""
    return UNAVAILABLE if error.unavailable else REFUSED
