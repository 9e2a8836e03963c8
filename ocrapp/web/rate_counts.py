"""The rate limit's counters in Redis, at one round trip per request.

flask-limiter, through the `limits` Redis storage, counts a request in one round trip and
then reads the count and its window's expiry back in two more, for the response's
`X-RateLimit-*` headers. This storage counts and reads the expiry in one script, and
answers those two reads from it for the rest of the request, however long it lasts (a
WebSocket's request ends when the socket closes, minutes later, and its headers are
never sent: 5,000 sockets closing at once made 10,000 reads).
"""

import time

from flask import g, has_app_context
from limits.storage import RedisStorage

SCHEME = "ocrapp+"
COUNT_AND_EXPIRY = """
local current = redis.call("incrby", KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


def storage_uri(redis_url: str) -> str:
    """The flask-limiter `storage_uri` that picks this storage for `redis_url`."""
    return SCHEME + redis_url


class OneTripRedisStorage(RedisStorage):
    """A `limits` Redis storage whose hit also returns the window's expiry."""

    STORAGE_SCHEME = [SCHEME + scheme for scheme in ("redis", "rediss", "unix")]

    def __init__(self, uri: str, **options) -> None:
        super().__init__(uri.removeprefix(SCHEME), **options)
        self.count_and_expiry = self.get_connection().register_script(COUNT_AND_EXPIRY)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` hits of `key`, a window of `expiry` seconds; remember the answer."""
        count, seconds_left = self.count_and_expiry([self.prefixed_key(key)], [expiry, amount])
        if has_app_context():  # one per request: what the hit said answers for the request
            g.rate_limit_hit = (key, int(count), max(int(seconds_left), 0) + time.time())
        return int(count)

    def get(self, key: str) -> int:
        """The count of `key`: as the hit just made returned it, else from Redis."""
        answer = self._just_hit(key)
        return answer[1] if answer else super().get(key)

    def get_expiry(self, key: str) -> float:
        """When the window of `key` ends: as the hit just made returned it, else from Redis."""
        answer = self._just_hit(key)
        return answer[2] if answer else super().get_expiry(key)

    def _just_hit(self, key: str) -> tuple | None:
        answer = g.get("rate_limit_hit") if has_app_context() else None
        return answer if answer is not None and answer[0] == key else None
