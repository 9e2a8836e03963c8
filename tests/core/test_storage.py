"""Both storage backends against real stores: a folder, and S3 over HTTP (moto's server)."""

import urllib.request

import botocore.exceptions
import pytest

from ocrapp.core.storage import (
    LocalStorage,
    StorageError,
    open_storage,
    page_image_key,
    page_key,
    result_key,
    task_prefix,
    upload_key,
)


@pytest.fixture(params=["file", "s3"])
def storage(request, tmp_path, s3_endpoint):
    if request.param == "file":
        return open_storage(tmp_path.as_uri())
    backend = open_storage("s3://storage-test/some/prefix", s3_endpoint)
    backend.init()
    return backend


def test_put_then_get_returns_the_same_bytes(storage):
    key = upload_key(7, "file-id", ".png")
    storage.put(key, b"\x89PNG data", "image/png")
    assert storage.get(key) == b"\x89PNG data"
    storage.check()


def test_an_object_opened_reads_back_whole_with_its_size(storage):
    key, data = result_key(7, "task", "pdf"), bytes(range(256)) * 4096
    storage.put(key, data, "application/pdf")
    stored = storage.open(key)
    with stored.reader as reader:
        assert stored.size == len(data) and reader.read() == data


def test_an_object_opened_seeks_to_read_only_the_rest(storage):
    # A resumed download: an S3 body read from the start up to there cost the whole object.
    key, data = result_key(7, "task", "pdf"), bytes(range(256)) * 4096
    storage.put(key, data, "application/pdf")
    with storage.open(key).reader as reader:
        assert reader.read(1000) == data[:1000]
        assert reader.seek(700_000) == 700_000
        assert reader.read() == data[700_000:]
        reader.seek(10)
        assert reader.read(5) == data[10:15]


def test_an_objects_tag_changes_with_the_object_and_only_then(storage):
    key = result_key(7, "task", "txt")
    storage.put(key, b"first", "text/plain")
    first, again = storage.open(key), storage.open(key)
    storage.put(key, b"second", "text/plain")
    second = storage.open(key)
    for stored in (first, again, second):
        stored.reader.close()
    assert first.etag == again.etag != second.etag


def test_a_seek_into_an_s3_object_replaced_since_fails(s3_endpoint):
    # The rest of another version would be spliced onto the first's start.
    storage = open_storage("s3://storage-test/some/prefix", s3_endpoint)
    storage.init()
    key = result_key(7, "task", "txt")
    storage.put(key, b"first version", "text/plain")
    with storage.open(key).reader as reader:
        storage.put(key, b"second version", "text/plain")
        reader.seek(6)
        with pytest.raises(botocore.exceptions.ClientError, match="PreconditionFailed"):
            reader.read()


def test_missing_object_raises_storage_error(storage):
    with pytest.raises(StorageError):
        storage.get(result_key(7, "no-such-task", "html"))
    with pytest.raises(StorageError):
        storage.open(result_key(7, "no-such-task", "pdf"))


def test_a_write_that_fails_leaves_no_file_behind(tmp_path):
    # A full disk, as far as the folder can tell: the half-written temporary file goes.
    storage = LocalStorage(tmp_path)
    key = upload_key(7, "file-id", ".pdf")
    with pytest.raises(TypeError):
        storage.put(key, "not bytes", "application/pdf")
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_a_tasks_prefix_is_deleted_whole_and_nothing_beside_it(storage):
    # 1,001 objects: more than one S3 listing, and more than one delete_objects, hold.
    pages = [page_key(7, "t", n) for n in range(1, 500)]
    images = [page_image_key(7, "t", n) for n in range(1, 500)]
    results = [result_key(7, "t", result_format) for result_format in ("json", "txt", "pdf")]
    kept = [upload_key(7, "f", ".pdf"), result_key(7, "t2", "json"), result_key(8, "t", "json")]
    for key in [*pages, *images, *results, *kept]:
        storage.put(key, b"x", "text/plain")
    assert all(key.startswith(task_prefix(7, "t")) for key in [*pages, *images, *results])

    storage.delete_prefix(task_prefix(7, "t"))
    storage.delete_prefix(task_prefix(7, "t"))  # nothing left: no error

    for key in [*pages, *images, *results]:
        with pytest.raises(StorageError):
            storage.get(key)
    assert [storage.get(key) for key in kept] == [b"x"] * 3


def test_s3_objects_live_under_the_prefix(s3_endpoint):
    import boto3

    storage = open_storage("s3://prefix-test/tenant-a", s3_endpoint)
    storage.init()
    storage.put("users/1/x.txt", b"x", "text/plain")
    keys = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket="prefix-test")
    assert [item["Key"] for item in keys["Contents"]] == ["tenant-a/users/1/x.txt"]


def test_local_keys_cannot_escape_the_root(tmp_path):
    storage = LocalStorage(tmp_path / "root")
    with pytest.raises(StorageError):
        storage.put("../outside", b"x", "text/plain")


def test_key_layout_is_per_user():
    assert upload_key(3, "f", ".jpg") == "users/3/uploads/f.jpg"
    assert result_key(3, "t", "json") == "users/3/results/t/result.json"


def test_signed_urls_name_the_public_endpoint_and_read_the_object(s3_endpoint):
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    storage = open_storage("s3://signed-test", s3_endpoint, public)
    storage.init()
    storage.put("users/1/r.txt", b"the text", "text/plain")
    url = storage.signed_url("users/1/r.txt", "attachment", "text/plain", 60)
    assert url.startswith(f"{public}/signed-test/users/1/r.txt?")
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"the text"


def test_signing_for_a_public_endpoint_needs_no_request_to_it(s3_endpoint):
    storage = open_storage("s3://signed-test", s3_endpoint, "https://files.example.test")
    url = storage.signed_url("users/1/r.txt", "attachment", "text/plain", 60)
    assert url.startswith("https://files.example.test/signed-test/users/1/r.txt?")
    assert "X-Amz-Signature=" in url
    without = open_storage("s3://signed-test", s3_endpoint).signed_url(
        "users/1/r.txt", "attachment", "text/plain", 60
    )
    assert without.startswith(f"{s3_endpoint}/signed-test/")
