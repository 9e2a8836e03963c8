"""Turns between users: at most `WEBHOOK_USER_CONCURRENCY` tries of one user's deliveries
under way at once, in all webhooks workers, so that no user's slow receivers take them all.

A try that finds every place of its user taken waits in the user's line, in Redis; each
try that ends gives its place back and sends the first one waiting again. Nothing is lost
if a worker dies: its place lapses, and the sweep sends what waits once it is due.
"""

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from functools import cache

import redis

from ocrapp.core.redis_client import redis_client

log = logging.getLogger(__name__)
# A place outlives its try's time by this much before another may take it: a worker killed
# in the middle of a try leaves its place, which then lapses.
PLACE_MARGIN = 5
# A line nobody took from for this long is dropped (the sweep sends what it held).
LINE_SECONDS = 86400

# Take a place among the user's tries under way (a sorted set of places by when they
# lapse), dropping lapsed ones first; or, all taken, join the user's line (once).
TAKE_PLACE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[5])
  redis.call('EXPIRE', KEYS[2], ARGV[6])
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
return 1
"""
# Give a place back, and take the first message waiting in the line, if any.
GIVE_BACK = """
redis.call('ZREM', KEYS[1], ARGV[1])
local first = redis.call('ZPOPMIN', KEYS[2])
return first[1]
"""


@cache
def _scripts(url: str):
    client = redis_client(url)
    return client.register_script(TAKE_PLACE), client.register_script(GIVE_BACK)


def turn_keys(config, user_id: int) -> list[str]:
    """The Redis keys of the user's tries under way and of their line."""
    prefix = f"{config['EVENT_NAMESPACE']}:webhook-tries:{user_id}"
    return [prefix, f"{prefix}:line"]


@contextlib.contextmanager
def users_turn(
    config, user_id: int, message: str, send_again: Callable[[str], None]
) -> Iterator[bool]:
    """Hold one of the user's places for the try of `message` while in the block; yield
    False when all are taken (it then waits in line). On leaving, the first message in
    line is handed to `send_again`. Without Redis, every try goes."""
    keys, place, now = turn_keys(config, user_id), uuid.uuid4().hex, time.time()
    lapses = now + config["WEBHOOK_TIMEOUT"] + PLACE_MARGIN
    take, give_back = _scripts(config["REDIS_URL"])
    limit = config["WEBHOOK_USER_CONCURRENCY"]
    try:
        taken = bool(take(keys=keys, args=[now, lapses, limit, place, message, LINE_SECONDS]))
    except redis.RedisError as error:
        log.warning("webhook turns unknown (%r): the try goes", error)
        yield True
        return
    try:
        yield taken
    finally:
        if taken:
            _give_back(give_back, keys, place, send_again)


def _give_back(give_back, keys: list[str], place: str, send_again) -> None:
    """Give the place back, and send the first message waiting in line again."""
    try:
        waiting = give_back(keys=keys, args=[place])
    except redis.RedisError as error:  # the place lapses; the sweep sends what waits
        log.warning("webhook turn not given back (%r)", error)
        return
    if waiting is not None:
        send_again(waiting.decode())
