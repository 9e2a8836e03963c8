"""The Redis client of this process: events, update history, engines and queue depths."""

from functools import cache

import redis


@cache
def redis_client(url: str) -> redis.Redis:
    """Return this process's Redis client for `url` (its pool is fork-safe)."""
    return redis.Redis.from_url(
        url, health_check_interval=30, socket_connect_timeout=5, socket_timeout=10
    )
