"""The rate limit's storage: one round trip per request, however long the request lasts."""

import time

import pytest
from limits.storage import RedisStorage

from ocrapp.web.rate_counts import OneTripRedisStorage, storage_uri


@pytest.fixture
def storage(app):
    return OneTripRedisStorage(storage_uri(app.config["REDIS_URL"]))


@pytest.fixture
def redis_reads(monkeypatch):
    """Count the reads that go to Redis (the storage's parent's `get` and `get_expiry`)."""
    reads = []
    for name in ("get", "get_expiry"):
        read = getattr(RedisStorage, name)
        monkeypatch.setattr(
            RedisStorage, name, lambda self, key, read=read: reads.append(key) or read(self, key)
        )
    return reads


def test_a_requests_reads_are_answered_by_its_hit_however_late(
    app, storage, redis_reads, monkeypatch
):
    key = "test-one-trip"
    storage.clear(key)
    with app.test_request_context():
        assert storage.incr(key, 60) == 1
        window_end = storage.get_expiry(key)
        later = time.time() + 300  # a WebSocket's request ends when the socket closes
        monkeypatch.setattr(time, "time", lambda: later)
        assert storage.get(key) == 1 and storage.get_expiry(key) == window_end
    assert redis_reads == []
    monkeypatch.undo()
    assert abs(storage.get_expiry(key) - window_end) <= 1  # the same window, read back


def test_another_request_or_key_reads_from_redis(app, storage, redis_reads):
    storage.clear("test-a")
    storage.clear("test-b")
    with app.test_request_context():
        storage.incr("test-a", 60)
        assert storage.get("test-b") == 0
    with app.test_request_context():
        assert storage.get("test-a") == 1
    assert redis_reads == ["test-b", "test-a"]
