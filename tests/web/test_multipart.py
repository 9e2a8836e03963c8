"""Multipart forms read by python-multipart give what werkzeug's own parser gives."""

import io
import os

import pytest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from ocrapp.web.multipart import MultipartFormDataParser

BOUNDARY = "b0undary-" + os.urandom(8).hex()


def part(headers: list[str], body: bytes) -> bytes:
    """One part of a form, its headers and body, after its boundary line."""
    return f"--{BOUNDARY}\r\n".encode() + "\r\n".join(headers).encode() + b"\r\n\r\n" + body


def form(*parts: bytes) -> bytes:
    """A whole multipart body of `parts`."""
    return b"\r\n".join(parts) + f"\r\n--{BOUNDARY}--\r\n".encode()


class Trickle(io.BytesIO):
    """A body that gives at most a few bytes per read: every header and boundary split."""

    def read(self, size: int = -1) -> bytes:
        return super().read(7)


def parse(parser_class, body: bytes, stream_class=io.BytesIO, **limits):
    """Parse `body` with `parser_class`; return its fields and files as plain values."""
    parser = parser_class(silent=False, **limits)
    options = {"boundary": BOUNDARY}
    _, fields, files = parser.parse(stream_class(body), "multipart/form-data", len(body), options)
    read = []
    for name, upload in files.items(multi=True):
        read.append((name, upload.filename, upload.content_type, upload.read()))
        upload.close()
    return list(fields.items(multi=True)), read


SCAN = os.urandom(3000) + b"\r\n--not-the-boundary\r\n" + os.urandom(3000)
FORMS = {
    "file and fields": form(
        part(
            ['Content-Disposition: form-data; name="file"; filename="scan 1.png"'],
            SCAN,
        ),
        part(['Content-Disposition: form-data; name="engine"'], b"tesseract"),
        part(['Content-Disposition: form-data; name="languages"'], b"eng"),
        part(['Content-Disposition: form-data; name="languages"'], b"fra"),
    ),
    "typed file, UTF-8 name": form(
        part(
            [
                'Content-Disposition: form-data; name="file"; filename="fa\u00e7ture\u202efdp.png"',
                "Content-Type: image/png",
            ],
            SCAN,
        ),
    ),
    "upper case, no name": form(
        part(['CONTENT-DISPOSITION: Form-Data; filename="a.png"'], SCAN),
        part(['Content-Disposition: form-data; name="engine"'], b"tesseract"),
    ),
    "empty field and file": form(
        part(['Content-Disposition: form-data; name="file"; filename=""'], b""),
        part(['Content-Disposition: form-data; name="note"'], b""),
    ),
    "fields in other charsets": form(
        *(
            part(
                [
                    'Content-Disposition: form-data; name="note"',
                    f"Content-Type: text/plain; charset={charset}",
                ],
                "caf\u00e9".encode("latin-1"),
            )
            for charset in ("ISO-8859-1", "latin-1", "no-such-charset")
        )
    ),
}


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("stream_class", [io.BytesIO, Trickle])
def test_reads_the_form_werkzeug_reads(name, stream_class):
    body = FORMS[name]
    expected = parse(FormDataParser, body)
    assert parse(MultipartFormDataParser, body, stream_class) == expected
    assert expected[0] or expected[1]  # the form is not read as empty by both


def test_a_file_beyond_memory_is_kept_in_a_temporary_file():
    scan = os.urandom(2 * 1024 * 1024)
    body = form(part(['Content-Disposition: form-data; name="file"; filename="big.png"'], scan))
    _, files = parse(MultipartFormDataParser, body)
    assert files == [("file", "big.png", None, scan)]


def test_too_many_parts_are_refused():
    body = form(*[part([f'Content-Disposition: form-data; name="f{n}"'], b"x") for n in range(5)])
    assert len(parse(MultipartFormDataParser, body, max_form_parts=5)[0]) == 5
    with pytest.raises(RequestEntityTooLarge):
        parse(MultipartFormDataParser, body, max_form_parts=4)


def test_a_field_beyond_its_memory_limit_is_refused():
    body = form(part(['Content-Disposition: form-data; name="note"'], b"x" * 2000))
    assert parse(MultipartFormDataParser, body, max_form_memory_size=2000)[0]
    with pytest.raises(RequestEntityTooLarge):
        parse(MultipartFormDataParser, body, Trickle, max_form_memory_size=1999)


def test_a_file_is_not_held_to_the_field_limit():
    body = form(part(['Content-Disposition: form-data; name="file"; filename="a.png"'], SCAN))
    assert parse(MultipartFormDataParser, body, max_form_memory_size=100)[1]


@pytest.mark.parametrize(
    "body",
    [
        form(part(["Content-Type: image/png"], SCAN)),  # no Content-Disposition
        form(part(['Content-Disposition: attachment; filename="a.png"'], SCAN)),
        form(part(['Content-Disposition: form-data; name="f"'] + ["X: " + "a" * 3000] * 6, b"")),
        form(part(['Content-Disposition: form-data; name="?"'], b"x")).replace(b"?", b"\xff"),
        b"no boundary here at all",
        FORMS["file and fields"][:-60],  # cut inside its last part
        FORMS["file and fields"].removesuffix(b"--\r\n"),  # no closing boundary
    ],
    ids=[
        "no disposition",
        "not form-data",
        "huge headers",
        "not UTF-8",
        "not multipart",
        "cut short",
        "never closed",
    ],
)
def test_a_malformed_form_reads_as_empty(body):
    parser = MultipartFormDataParser()  # silent, as Flask's: the view says what is missing
    _, fields, files = parser.parse(
        io.BytesIO(body), "multipart/form-data", len(body), {"boundary": BOUNDARY}
    )
    assert not fields and not files
