"""Downloads of a task's results and of its uploaded file: through the API or a signed URL."""

from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, redirect, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import parse_range_header
from werkzeug.wsgi import FileWrapper, wrap_file

from ocrapp.core.db import db
from ocrapp.core.models import TaskStatus
from ocrapp.core.object_readers import StoredObject
from ocrapp.core.storage import RESULT_FORMATS, StorageError, get_storage, result_key
from ocrapp.web.errors import ApiError
from ocrapp.web.openapi import answers, api_blueprint
from ocrapp.web.requests import load_own_task
from ocrapp.web.schemas import FileQuery, ResultQuery, TaskPath

bp = api_blueprint("downloads", __name__, "A task's results in five formats, and its upload.")
DOWNLOAD_CHUNK = 256 * 1024
TEXT = {"schema": {"type": "string"}}
BINARY = {"schema": {"type": "string", "format": "binary"}}
SIGNED_REDIRECT = {
    "description": "With `redirect=1` and S3 storage: a signed URL, good without a token "
    "for `SIGNED_URL_SECONDS`. The store answers it (an object missing there is its own "
    "404, not `result_not_found`).",
    "headers": {"Location": {"schema": {"type": "string"}}},
}
RESULT = {
    "description": "The result, `inline` (`attachment` for the PDF), named after the upload.",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "text/plain": TEXT,
        "text/html": TEXT,
        "application/xhtml+xml": TEXT,
        "application/pdf": BINARY,
    },
}
PART = {
    "description": "The part of the file a `Range` header asked for (`bytes=START-`: resume "
    "a download), with `Content-Range`; with `If-Range`, only while the file's `ETag` is the "
    "one given (otherwise the whole file, `200`).",
    "headers": {"Content-Range": {"schema": {"type": "string"}}},
    "content": {"application/octet-stream": BINARY},
}
NOT_MODIFIED = {
    "description": "`If-None-Match` named the file's `ETag` (every download carries one): the "
    "copy the client holds is the current one.",
}
UPLOAD = {
    "description": "The file as it was uploaded, as an `attachment` under its cleaned name.",
    "content": {"application/pdf": BINARY, "image/*": BINARY},
}


@bp.get(
    "/tasks/<task_id:task_id>/result",
    responses=answers(
        {200: RESULT, 206: PART, 302: SIGNED_REDIRECT, 304: NOT_MODIFIED},
        {
            404: ["task_not_found", "result_not_found", "not_found"],
            409: ["result_not_ready"],
            416: ["range_not_satisfiable"],
            503: ["storage_unavailable"],
        },
    ),
)
def get_result(path: TaskPath, query: ResultQuery):
    """Download a completed task's result: json, txt, html, hocr or a searchable pdf.

    - `json`: the text, and every page's `blocks` (paragraphs in reading order: a column is
      read to its end before the next), each with its `lines` and their `words`, with boxes
      in pixels of the page image and confidences from 0 to 1. A page says how it was
      turned to be read, two clockwise turns in this order: `rotation`, a quarter turn or
      more with its canvas (the page lay sideways or upside down), then `skew` degrees about
      its centre on the same canvas (its lines rose by as much: it was fed askew). Boxes,
      the html and hocr results and the pdf's page images are of the page as turned. It
      also says whether it was read by OCR or taken from a PDF's text layer (`source`), and
      which `engine` and `languages` read it.
    - `txt`: the text only; pages are separated by a form feed on a line of its own.
    - `html`: a document with a `<section class="ocr-page">` per page, each line placed
      where it was found.
    - `hocr`: hOCR (`ocr_page`, `ocr_carea`, `ocr_par`, `ocr_line`, `ocrx_word` with `bbox`
      and `x_wconf`), for tools that read it.
    - `pdf`: each page image with its words as invisible text over them, to search, select
      and copy.

    A task that has not completed answers `409 result_not_ready`; one completed by an older
    version that lacks the format, `404 result_not_found`. `Content-Disposition` names the
    file after the upload: an ASCII stand-in as `filename`, the name itself as `filename*`.
    A download cut short resumes with `Range: bytes=N-` and `If-Range: <its ETag>`
    (`curl -C -`, `wget -c`).
    """
    with db.session() as session:
        task = load_own_task(session, path.task_id)
        if task.status is not TaskStatus.COMPLETED:
            raise ApiError(
                409, "result_not_ready", f"The task is {task.status.value}, not completed."
            )
        key = result_key(task.user_id, task.id, query.format)
        filename = f"{Path(task.file.original_filename).stem or 'result'}.{query.format}"
    disposition = "attachment" if query.format == "pdf" else "inline"
    return download(
        key,
        RESULT_FORMATS[query.format],
        content_disposition(disposition, filename),
        query.redirect,
        ApiError(404, "result_not_found", f"This task has no {query.format} result."),
    )


@bp.get(
    "/tasks/<task_id:task_id>/file",
    responses=answers(
        {200: UPLOAD, 206: PART, 302: SIGNED_REDIRECT, 304: NOT_MODIFIED},
        {
            404: ["task_not_found", "file_not_found", "not_found"],
            416: ["range_not_satisfiable"],
            503: ["storage_unavailable"],
        },
    ),
)
def get_file(path: TaskPath, query: FileQuery):
    """Download the file the task was made from, as it was uploaded."""
    with db.session() as session:
        file = load_own_task(session, path.task_id).file
        key, content_type, filename = file.storage_key, file.content_type, file.original_filename
    disposition = content_disposition("attachment", filename)
    missing = ApiError(404, "file_not_found", "The uploaded file is no longer stored.")
    return download(key, content_type, disposition, query.redirect, missing)


def download(key: str, content_type: str, disposition: str, signed: bool, missing: ApiError):
    """Answer with the object at `key`, or with a redirect to a signed URL for it.

    The object is sent a part at a time as it is read: a 500-page searchable PDF is some
    80 MB, which a web process held whole for each download under way.
    """
    storage = get_storage(current_app.config)
    seconds = current_app.config["SIGNED_URL_SECONDS"]
    if signed and (url := storage.signed_url(key, disposition, content_type, seconds)):
        return redirect(url, 302)
    try:
        stored = storage.open(key)
    except StorageError as error:  # e.g. a task completed before its format existed
        raise missing from error
    return send_object(stored, content_type, disposition)


def send_object(stored: StoredObject, content_type: str, disposition: str) -> Response:
    """Send `stored` a part at a time; or the part a `Range` asks for, to resume a download
    (`If-Range` with its `ETag`: only while the object is the same); or `304 Not Modified`
    to an `If-None-Match` that names its `ETag`."""
    environ = with_usable_range(request.environ)
    if "HTTP_RANGE" in environ:
        # One that seeks: the server's own (gunicorn's) cannot, and the part before the
        # range was read and dropped (from S3, a resumed 80 MB download read it all).
        body = FileWrapper(stored.reader, DOWNLOAD_CHUNK)
    else:
        body = wrap_file(environ, stored.reader, DOWNLOAD_CHUNK)  # sendfile for a file
    response = Response(body, content_type=content_type, direct_passthrough=True)
    response.content_length = stored.size
    response.headers["Content-Disposition"] = disposition
    response.set_etag(stored.etag)
    try:
        return response.make_conditional(environ, accept_ranges=True, complete_length=stored.size)
    except RequestedRangeNotSatisfiable as error:
        response.close()
        message = f"The range asked for is not within the file's {stored.size} bytes."
        headers = {"Content-Range": f"bytes */{stored.size}"}
        raise ApiError(416, "range_not_satisfiable", message, headers) from error


def with_usable_range(environ: dict) -> dict:
    """The request without a `Range` it would be wrong to answer in part: several ranges, one
    unreadable or in other units, or an `If-Range` with a weak tag (HTTP then sends the whole
    file, `200`; a `416` is for one range outside the file)."""
    value = environ.get("HTTP_RANGE")
    if value is None:
        return environ
    parsed = parse_range_header(value)
    weak = environ.get("HTTP_IF_RANGE", "").startswith("W/")
    if parsed is not None and parsed.units == "bytes" and len(parsed.ranges) == 1 and not weak:
        return environ
    return {key: item for key, item in environ.items() if key != "HTTP_RANGE"}


def content_disposition(disposition: str, filename: str) -> str:
    """Name a download: an ASCII fallback, and the UTF-8 name for clients that read it."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
