"""Object storage for uploads and results: one interface, a local folder or S3.

Key layout (the only place that knows it):
    users/<user_id>/uploads/<file_id><ext>          the uploaded file
    users/<user_id>/results/<task_id>/result.html   positioned text, one section per page
    users/<user_id>/results/<task_id>/result.json   text and lines with boxes and confidences
    users/<user_id>/results/<task_id>/result.txt    plain text
    users/<user_id>/results/<task_id>/result.hocr   hOCR
    users/<user_id>/results/<task_id>/result.pdf    searchable PDF: page images, invisible text
    users/<user_id>/results/<task_id>/pages/<n>.json  page n, stored as soon as it is done
    users/<user_id>/results/<task_id>/pages/<n>.jpg   page n's image, while a split task runs
        (a JPEG; a Group 4 TIFF where the page is black and white, under the same key)

Everything a task keeps but its upload lies under its own prefix (`task_prefix`), so the
task's objects are listed and deleted together, without knowing each one's name.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import unquote, urlparse

from ocrapp.core.object_readers import SeekableS3Body, StoredObject

RESULT_FORMATS = {
    "json": "application/json",
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "hocr": "application/xhtml+xml; charset=utf-8",
    "pdf": "application/pdf",
}


def user_prefix(user_id: int) -> str:
    """Return the prefix of everything a user keeps: uploads, and every task's objects."""
    return f"users/{user_id}/"


def upload_key(user_id: int, file_id: str, extension: str) -> str:
    """Return the key of an uploaded file."""
    return f"users/{user_id}/uploads/{file_id}{extension}"


def result_key(user_id: int, task_id: str, result_format: str) -> str:
    """Return the key of a task's result in `result_format` (a key of RESULT_FORMATS)."""
    return f"users/{user_id}/results/{task_id}/result.{result_format}"


def task_prefix(user_id: int, task_id: str) -> str:
    """Return the prefix of every object a task keeps but its upload (results and pages)."""
    return f"users/{user_id}/results/{task_id}/"


def page_key(user_id: int, task_id: str, number: int) -> str:
    """Return the key of one recognised page of a task."""
    return f"users/{user_id}/results/{task_id}/pages/{number}.json"


def page_image_key(user_id: int, task_id: str, number: int) -> str:
    """Return the key of a split task's page image, kept for its searchable PDF."""
    return f"users/{user_id}/results/{task_id}/pages/{number}.jpg"


class StorageError(Exception):
    """The storage backend failed or holds no object at that key."""


# S3: seconds to connect, and to wait for each read of an answer, before a try fails
# (boto's defaults, 60 each, times its tries, held an upload's transaction for 3 minutes
# against a store that stalled).
S3_CONNECT_TIMEOUT = 5
S3_READ_TIMEOUT = 20
S3_ATTEMPTS = 3


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def put_file(self, key: str, path: Path, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def open(self, key: str) -> StoredObject: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def check(self) -> None: ...
    def init(self) -> None: ...
    def signed_url(
        self, key: str, disposition: str, content_type: str, seconds: int
    ) -> str | None: ...


class LocalStorage:
    """Objects as files below a root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.init()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise StorageError(f"key outside the storage root: {key}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write atomically, so a reader never sees half an object."""
        with self._replacing(key) as tmp:
            tmp.write(data)

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Copy the file at `source` to `key`, atomically, without reading it into memory."""
        with self._replacing(key) as tmp:
            shutil.copyfile(source, tmp.name)

    @contextlib.contextmanager
    def _replacing(self, key: str) -> Iterator[BinaryIO]:
        """Yield a temporary file beside `key` that replaces it once written; removed if
        the writing fails (a full disk), so that nothing half written stays behind."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            try:
                yield tmp
            except BaseException:
                tmp.close()
                Path(tmp.name).unlink(missing_ok=True)
                raise
        os.replace(tmp.name, path)

    def get(self, key: str) -> bytes:
        """Read the object at `key`."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise StorageError(f"no object at {key}") from error

    def open(self, key: str) -> StoredObject:
        """Open the object at `key` to read it a part at a time (a file, which seeks)."""
        try:
            reader = self._path(key).open("rb")
        except FileNotFoundError as error:
            raise StorageError(f"no object at {key}") from error
        status = os.fstat(reader.fileno())  # a replaced object is a new file (os.replace)
        return StoredObject(reader, status.st_size, f"{status.st_ino:x}-{status.st_mtime_ns:x}")

    def delete(self, key: str) -> None:
        """Remove the object at `key`, if there is one."""
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        """Remove the folder `prefix` (a key ending in "/") with all it holds, if it exists."""
        folder = self._path(prefix)
        if folder.exists():
            shutil.rmtree(folder)

    def signed_url(self, key: str, disposition: str, content_type: str, seconds: int) -> None:
        """A folder has no URLs of its own: its objects are served through the API."""
        return None

    def check(self) -> None:
        """Raise unless the root folder is writable."""
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"{self.root} is not a writable folder")

    def init(self) -> None:
        """Create the root folder."""
        self.root.mkdir(parents=True, exist_ok=True)


class S3Storage:
    """Objects in an S3 bucket (AWS, MinIO or any S3-compatible store), under a prefix."""

    def __init__(
        self,
        bucket: str,
        prefix: str,
        endpoint_url: str | None,
        public_endpoint_url: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # Signature version 4 for pre-signed URLs too (boto3 may sign them with version 2).
        config = Config(
            signature_version="s3v4",
            connect_timeout=S3_CONNECT_TIMEOUT,
            read_timeout=S3_READ_TIMEOUT,
            retries={"mode": "standard", "max_attempts": S3_ATTEMPTS},
        )
        self.client = boto3.client("s3", endpoint_url=endpoint_url, config=config)
        # Signing sends no request, so this client only signs: URLs for the clients' side of
        # a proxy, while the service reaches the store at its private address.
        self.signing_client = (
            boto3.client("s3", endpoint_url=public_endpoint_url, config=config)
            if public_endpoint_url
            else self.client
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload `data` to `key`."""
        self.client.put_object(
            Bucket=self.bucket, Key=self.prefix + key, Body=data, ContentType=content_type
        )

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Upload the file at `source` to `key`, in parts if it is large."""
        self.client.upload_file(
            str(source), self.bucket, self.prefix + key, ExtraArgs={"ContentType": content_type}
        )

    def get(self, key: str) -> bytes:
        """Download the object at `key`."""
        with self._get_object(key)["Body"] as body:
            return body.read()

    def open(self, key: str) -> StoredObject:
        """Start reading the object at `key`, a part at a time (a body that seeks)."""
        reader = SeekableS3Body(self.client, self.bucket, self.prefix + key, self._get_object(key))
        return StoredObject(reader, reader.size, reader.etag.strip('"'))

    def _get_object(self, key: str) -> dict:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except self.client.exceptions.NoSuchKey as error:
            raise StorageError(f"no object at {key}") from error

    def delete(self, key: str) -> None:
        """Remove the object at `key`, if there is one."""
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def delete_prefix(self, prefix: str) -> None:
        """Remove every object whose key starts with `prefix`: a request per 1,000 listed,
        and one per 1,000 deleted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:  # 1,000 keys at most, as many as one delete_objects takes
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if not objects:
                continue
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )
            if errors := answer.get("Errors"):
                raise StorageError(f"{len(errors)} objects not deleted, e.g. {errors[0]}")

    def signed_url(self, key: str, disposition: str, content_type: str, seconds: int) -> str:
        """Return a URL that reads the object without a token, for `seconds` only."""
        return self.signing_client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.prefix + key,
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            ExpiresIn=seconds,
        )

    def check(self) -> None:
        """Raise unless the bucket answers."""
        self.client.head_bucket(Bucket=self.bucket)

    def init(self) -> None:
        """Create the bucket if it does not exist."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self.client.exceptions.ClientError:
            self.client.create_bucket(Bucket=self.bucket)


@cache
def open_storage(
    url: str, endpoint_url: str | None = None, public_endpoint_url: str | None = None
) -> Storage:
    """Return the storage backend for `url` (`file:///path` or `s3://bucket/prefix`)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        return S3Storage(parsed.netloc, parsed.path, endpoint_url, public_endpoint_url)
    raise ValueError(f"STORAGE_URL must start with file:// or s3://, not {url!r}")


def get_storage(config) -> Storage:
    """Return the storage backend configured in `config` (a Flask config)."""
    return open_storage(
        config["STORAGE_URL"], config["S3_ENDPOINT_URL"], config["S3_PUBLIC_ENDPOINT_URL"]
    )
