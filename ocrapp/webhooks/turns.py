"""Turns between users: at most `WEBHOOK_USER_CONCURRENCY` tries of one user's deliveries
under way at once, in all webhooks workers, so that no user's slow receivers take them all."""

import contextlib
import logging
import time
import uuid
from collections.abc import Iterator
from functools import cache

import redis

from ocrapp.core.redis_client import redis_client

log = logging.getLogger(__name__)
# A place outlives its try's time by this much before another may take it: a worker killed
# in the middle of a try leaves its place, which then lapses.
PLACE_MARGIN = 5

# Take a place among the user's tries under way (a sorted set of places by when they
# lapse), unless `limit` are taken; lapsed places are dropped first.
TAKE_PLACE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
return 1
"""


@cache
def _take_place(url: str):
    return redis_client(url).register_script(TAKE_PLACE)


def places_key(config, user_id: int) -> str:
    """The Redis key of the user's tries under way."""
    return f"{config['EVENT_NAMESPACE']}:webhook-tries:{user_id}"


@contextlib.contextmanager
def users_turn(config, user_id: int) -> Iterator[bool]:
    """Hold one of the user's places for a try while in the block; yield False when all
    are taken. Without Redis, every try goes (as before turns were kept)."""
    key, place, now = places_key(config, user_id), uuid.uuid4().hex, time.time()
    lapses = now + config["WEBHOOK_TIMEOUT"] + PLACE_MARGIN
    limit = config["WEBHOOK_USER_CONCURRENCY"]
    try:
        taken = bool(_take_place(config["REDIS_URL"])(keys=[key], args=[now, lapses, limit, place]))
    except redis.RedisError as error:
        log.warning("webhook turns unknown (%r): the try goes", error)
        yield True
        return
    try:
        yield taken
    finally:
        if taken:
            with contextlib.suppress(redis.RedisError):
                redis_client(config["REDIS_URL"]).zrem(key, place)
