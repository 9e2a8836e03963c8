"""How a task ends when it cannot finish: transient outages, cancellation, and the code shown."""

from collections.abc import Iterator
from contextlib import contextmanager

import botocore.exceptions
import redis
import sqlalchemy.exc
from billiard.exceptions import TimeLimitExceeded, WorkerLostError

from ocrapp.core.errors import DomainError, OutOfMemory

# A service the worker needs was away for a moment: the task is tried again later, with
# growing, jittered delays. Anything else is the input's fault or a bug: not retried.
TRANSIENT_ERRORS = (
    sqlalchemy.exc.OperationalError,
    redis.ConnectionError,
    redis.TimeoutError,
    botocore.exceptions.ConnectionError,  # refused, or timed out connecting
    botocore.exceptions.HTTPClientError,  # closed or timed out while reading
)


@contextmanager
def memory_cap_as_failure() -> Iterator[None]:
    """Fail the task when an allocation is refused under the worker's memory cap.

    Celery takes a MemoryError out of a task to mean that the worker itself is broken,
    and stops it; torch reports its allocator's refusal as a RuntimeError.
    """
    message = "Reading this file needed more memory than a worker may use (WORKER_MEMORY_MB)."
    try:
        yield
    except MemoryError:
        raise OutOfMemory(message) from None
    except RuntimeError as error:
        if "can't allocate memory" not in str(error):
            raise
        raise OutOfMemory(message) from None


class TaskCancelled(DomainError):
    """The user cancelled the task; not a failure."""

    code = "cancelled"


def describe(error: BaseException) -> tuple[str, str]:
    """Return the (code, message) a user is shown for `error`."""
    if isinstance(error, DomainError):
        return error.code, error.message
    if isinstance(error, WorkerLostError):
        return "worker_lost", "The worker stopped while reading this file, too many times."
    if isinstance(error, TRANSIENT_ERRORS):
        return "service_unavailable", "A service the worker needs stayed unreachable."
    if isinstance(error, TimeLimitExceeded):
        return "timeout", f"The task ran longer than its limit of {error.args[0]:.0f} seconds."
    return "internal_error", f"OCR failed unexpectedly ({type(error).__name__})."
