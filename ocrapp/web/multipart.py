"""Multipart forms read by python-multipart, into the form and files werkzeug would make.

Werkzeug's own parser compiles two regular expressions for each request's boundary, and
clients pick a new boundary each time: 0.7 ms of CPU per upload, over 5% of taking one.
python-multipart reads the same form in under a tenth of that. The limits stay Flask's:
`MAX_CONTENT_LENGTH` on the body (werkzeug, before this), `MAX_FORM_MEMORY_SIZE` on each
field that is not a file and `MAX_FORM_PARTS` on the parts (413 past either).
"""

import logging

from flask import Request
from python_multipart.multipart import MultipartParser, MultipartState
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

# Bytes read from the body at a time.
CHUNK = 64 * 1024
# The most one part's headers may weigh: a name, a file name and a type are a few hundred.
MAX_PART_HEADERS = 16 * 1024
# The charsets a field may name, as werkzeug allows them (UTF-8 otherwise).
FIELD_CHARSETS = {"ascii", "us-ascii", "utf-8", "iso-8859-1"}
# A malformed form is the client's mistake, answered with a 400: not a warning for us,
# which anyone could write into the logs at will.
logging.getLogger("python_multipart").setLevel(logging.ERROR)


class _Part:
    """One part of a form, as python-multipart reports it: headers, then a field or a file."""

    def __init__(self) -> None:
        self.header_lines: list[tuple[bytes, bytes]] = []
        self.header_bytes = 0
        self.name: str | None = None
        self.filename: str | None = None
        self.headers = Headers()
        self.chunks: list[bytes] = []
        self.size = 0
        self.stream = None


class _FormReader:
    """The callbacks that turn python-multipart's events into werkzeug's fields and files."""

    def __init__(self, parser: FormDataParser, content_length: int | None) -> None:
        self.parser, self.content_length = parser, content_length
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.part = _Part()
        self.parts = 0

    def callbacks(self) -> dict:
        """The callbacks to hand to python-multipart's `MultipartParser`."""
        return {
            "on_part_begin": self.begin_part,
            "on_header_begin": self.begin_header,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.end_part,
        }

    def begin_part(self) -> None:
        self.parts += 1
        if (most := self.parser.max_form_parts) is not None and self.parts > most:
            raise RequestEntityTooLarge(f"A form may have {most} parts at most.")
        self.part = _Part()

    def begin_header(self) -> None:
        self.part.header_lines.append((b"", b""))

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        field, value = self.part.header_lines[-1]
        self.part.header_lines[-1] = (field + data[start:end], value)

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        field, value = self.part.header_lines[-1]
        self.part.header_lines[-1] = (field, value + data[start:end])

    def _count_header(self, size: int) -> None:
        self.part.header_bytes += size
        if self.part.header_bytes > MAX_PART_HEADERS:
            raise ValueError("a part's headers are too large")

    def headers_finished(self) -> None:
        part = self.part
        for field, value in part.header_lines:
            # UTF-8, as werkzeug reads them: browsers send file names so, unescaped.
            try:
                part.headers.add(field.decode().strip(), value.decode().strip())
            except UnicodeDecodeError:
                raise ValueError("a part's headers are not UTF-8") from None
        disposition, options = parse_options_header(part.headers.get("content-disposition"))
        if disposition.lower() != "form-data":
            raise ValueError("a part is not form-data")
        part.name, part.filename = options.get("name"), options.get("filename")
        if part.filename is not None:
            part.stream = self.parser.stream_factory(
                total_content_length=self.content_length,
                filename=part.filename,
                content_type=part.headers.get("content-type"),
                content_length=0,
            )

    def part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part.stream is not None:
            part.stream.write(data[start:end])
            return
        part.size += end - start
        limit = self.parser.max_form_memory_size
        if limit is not None and part.size > limit:
            raise RequestEntityTooLarge(f"A form field may hold {limit} bytes at most.")
        part.chunks.append(data[start:end])

    def end_part(self) -> None:
        part = self.part
        if part.stream is None:
            charset = parse_options_header(part.headers.get("content-type"))[1].get("charset", "")
            charset = charset.lower() if charset.lower() in FIELD_CHARSETS else "utf-8"
            value = b"".join(part.chunks).decode(charset, "replace")
            self.fields.append((part.name, value))
            return
        part.stream.seek(0)
        upload = FileStorage(part.stream, part.filename, part.name, headers=part.headers)
        self.files.append((part.name, upload))


class MultipartFormDataParser(FormDataParser):
    """Werkzeug's form parser, with python-multipart reading `multipart/form-data`."""

    # Why the form could not be read (werkzeug's parser, silent, reads it as empty).
    problem: str | None = None

    def _parse_multipart(self, stream, mimetype, content_length, options):
        try:
            return self._read_multipart(stream, content_length, options)
        except ValueError as error:  # python-multipart's errors are ValueErrors too
            self.problem = str(error)
            raise

    def _read_multipart(self, stream, content_length, options):
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        reader = _FormReader(self, content_length)
        parser = MultipartParser(boundary, reader.callbacks())
        while chunk := stream.read(CHUNK):
            parser.write(chunk)
        # A form cut short (no closing boundary) is refused whole, as werkzeug does: its
        # last part would otherwise be left out without a word.
        if parser.state != MultipartState.END:
            raise ValueError("the form ends before its closing boundary")
        return stream, self.cls(reader.fields), self.cls(reader.files)


class FastFormRequest(Request):
    """Flask's request, its multipart forms read by `MultipartFormDataParser`."""

    form_data_parser_class = MultipartFormDataParser
    form_parser: MultipartFormDataParser | None = None

    def make_form_data_parser(self) -> MultipartFormDataParser:
        self.form_parser = super().make_form_data_parser()
        return self.form_parser

    @property
    def form_problem(self) -> str | None:
        """Why the body's form could not be read, if it could not."""
        return self.form_parser and self.form_parser.problem
