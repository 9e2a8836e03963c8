"""A PDF written object by object: each object goes to the file and is forgotten.

What stays in memory is one offset an object, for the cross-reference table written at
the end; the objects' contents are never kept.
"""

import os
import zlib
from typing import BinaryIO

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"  # binary bytes in a comment: the file is binary


class PdfObjectWriter:
    """Write numbered PDF objects to `file` as they come, then the xref and trailer."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.offsets: list[int | None] = [None]  # by object number; 0 is the free list's head
        self.position = 0
        self._write(HEADER)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.position += len(data)

    def reserve(self) -> int:
        """Return a new object number, for an object written later (a forward reference)."""
        self.offsets.append(None)
        return len(self.offsets) - 1

    def write(self, number: int, body: str) -> None:
        """Write object `number` (reserved earlier) whose body is `body`."""
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body.encode("latin-1")))

    def write_stream(self, number: int, entries: str, data: bytes) -> None:
        """Write object `number` as a stream of `data`; `entries` go into its dictionary."""
        self.offsets[number] = self.position
        self._write(
            b"%d 0 obj\n<< %s /Length %d >>\nstream\n" % (number, entries.encode(), len(data))
        )
        self._write(data)  # written as it is, not copied into a larger buffer
        self._write(b"\nendstream\nendobj\n")

    def add(self, body: str) -> int:
        """Write a new object whose body is `body`; return its number."""
        number = self.reserve()
        self.write(number, body)
        return number

    def add_stream(self, entries: str, data: bytes, compress: bool = True) -> int:
        """Write a new stream object (deflated unless `compress` is false); return its number."""
        number = self.reserve()
        if compress:
            entries, data = f"{entries} /Filter /FlateDecode", zlib.compress(data)
        self.write_stream(number, entries, data)
        return number

    def finish(self, root: int) -> None:
        """Write the cross-reference table and the trailer naming catalog `root`."""
        missing = [n for n, offset in enumerate(self.offsets) if offset is None and n]
        if missing:
            raise ValueError(f"PDF objects reserved but never written: {missing}")
        start = self.position
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets)]
        lines += [b"%010d 00000 n \n" % offset for offset in self.offsets[1:]]
        self._write(b"".join(lines))
        document_id = os.urandom(16).hex()
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), root, document_id.encode(), document_id.encode(), start)
        )
