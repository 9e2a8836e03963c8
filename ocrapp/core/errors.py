"""Domain errors: a code a program can act on and a sentence a person can read.

Raised below the web layer (intake, submission, the worker's pipeline), never with an
HTTP status: `ocrapp.web.errors` maps each code to one, and the worker records a task's
failure with the same code. Imports nothing, so the pipeline may use it.
"""


class DomainError(Exception):
    """A refusal or a failure that is the input's or the user's to fix."""

    code = "error"

    def __init__(self, message: str, retry_after: int | None = None, **details) -> None:
        super().__init__(message)
        self.message, self.retry_after, self.details = message, retry_after, details


class EmptyFile(DomainError):
    code = "empty_file"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


class PageTooLarge(DomainError):
    code = "page_too_large"


class TooManyPages(DomainError):
    code = "too_many_pages"


class InvalidImage(DomainError):
    code = "invalid_image"


class InvalidPdf(DomainError):
    code = "pdf_invalid"


class EncryptedPdf(DomainError):
    code = "pdf_encrypted"


class EmptyPdf(DomainError):
    code = "pdf_empty"


class OutOfMemory(DomainError):
    code = "out_of_memory"


class InspectionTimeout(DomainError):
    code = "inspection_timeout"


class InspectionFailed(DomainError):
    code = "inspection_failed"


class TooManyTasks(DomainError):
    code = "too_many_tasks"


class QuotaExceeded(DomainError):
    code = "quota_exceeded"


class EnginesUnknown(DomainError):
    code = "engines_unknown"


class UnknownEngine(DomainError):
    code = "unknown_engine"


class UnsupportedLanguage(DomainError):
    code = "unsupported_language"


class WebhookUrlRefused(DomainError):
    code = "webhook_url_refused"
