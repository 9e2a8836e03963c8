"""Both storage backends against real stores: a folder, and S3 over HTTP (moto's server)."""

import pytest

from ocrapp.core.storage import LocalStorage, StorageError, open_storage, result_key, upload_key


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


def test_missing_object_raises_storage_error(storage):
    with pytest.raises(StorageError):
        storage.get(result_key(7, "no-such-task", "html"))


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
