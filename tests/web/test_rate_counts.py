"""The rate limit counts a request in one Redis round trip, with the same headers as before."""

import time

import pytest
import redis

from ocrapp import create_app
from tests.helpers import auth
from tests.servers import Redis


def commands_run(server: redis.Redis) -> int:
    """How many commands the Redis server ran (those of scripts too), before this one."""
    return server.info("stats")["total_commands_processed"]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own: the commands it counts are this test's alone."""
    server = Redis(tmp_path)
    server.start()
    yield server.url
    server.stop()


def test_each_request_is_counted_in_one_round_trip_with_its_headers(app, make_user, own_redis):
    config = {**app.config, "RATE_LIMIT": "3 per minute", "REDIS_URL": own_redis}
    limited = create_app(config).test_client()
    _, token = make_user()
    first = limited.get("/api/tasks", headers=auth(token))  # loads the script once
    server = redis.Redis.from_url(own_redis)
    before = commands_run(server)
    second = limited.get("/api/tasks", headers=auth(token))
    # The INFO of `before`, then the request's script and the INCRBY and TTL it runs: no
    # GET and TTL sent after it, as flask-limiter's own Redis storage does.
    assert commands_run(server) - before == 4
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == [
        "2",
        "1",
    ]
    assert second.headers["X-RateLimit-Limit"] == "3"
    assert 0 < int(second.headers["X-RateLimit-Reset"]) - time.time() <= 61
    assert limited.get("/api/tasks", headers=auth(token)).status_code == 200
    refused = limited.get("/api/tasks", headers=auth(token))
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
