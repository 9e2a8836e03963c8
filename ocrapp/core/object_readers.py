"""Stored objects opened for reading: their size and version, and an S3 body that can seek,
so that a download can be resumed where it stopped (`Range`) without reading what went."""

import io
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class StoredObject:
    """An object opened to be read a part at a time, its size, and a tag of its version."""

    reader: BinaryIO
    size: int
    etag: str  # another whenever the object changes: for `If-Range` and `If-None-Match`


class SeekableS3Body(io.RawIOBase):
    """An S3 object's body that seeks by asking for the rest from there (a ranged GET of
    the version first read): an unread stream cannot skip without reading every byte."""

    def __init__(self, client, bucket: str, key: str, answer: dict) -> None:
        super().__init__()
        self._client, self._bucket, self._key = client, bucket, key
        self._body, self._position = answer["Body"], 0
        self.size, self.etag = answer["ContentLength"], answer["ETag"]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to `offset`; the next read asks the store for the object from there."""
        start = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if start + offset != self._position:
            self._close_body()
            self._position = start + offset
        return self._position

    def readinto(self, buffer) -> int:
        """Read into `buffer` what comes next; 0 at the object's end."""
        if self._position >= self.size:
            return 0
        if self._body is None:
            answer = self._client.get_object(
                Bucket=self._bucket,
                Key=self._key,
                Range=f"bytes={self._position}-",
                IfMatch=self.etag,  # the same version, or the store refuses (412)
            )
            self._body = answer["Body"]
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        self._close_body()
        super().close()

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
