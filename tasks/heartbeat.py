"""A running OCR task's heartbeat: a Redis key that a thread of its pool process refreshes."""

import logging
import threading

import redis

from ocrapp.core.liveness import alive_key, heartbeat_seconds, heartbeat_ttl
from ocrapp.core.redis_client import redis_client

log = logging.getLogger(__name__)


class Heartbeat:
    """Set a key every `heartbeat_seconds`, to expire after `heartbeat_ttl`, until stopped."""

    def __init__(self, config, key: str) -> None:
        self.client = redis_client(config["REDIS_URL"])
        self.key, self.ttl = key, heartbeat_ttl(config)
        self.interval = heartbeat_seconds(config)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat {key}", daemon=True)

    def _set(self, ttl: int) -> None:
        try:
            self.client.set(self.key, 1, ex=ttl)
        except redis.RedisError as error:
            log.warning("heartbeat %s not set: %s", self.key, error)

    def _beat(self) -> None:
        self._set(self.ttl)
        while not self.stopped.wait(self.interval):
            self._set(self.ttl)

    def stop(self, remove_key: bool = True) -> None:
        """Stop beating, and remove the key unless told not to."""
        self.stopped.set()
        self.thread.join()
        if not remove_key:
            return
        try:
            self.client.delete(self.key)
        except redis.RedisError as error:
            log.warning("heartbeat %s not removed: %s", self.key, error)


# The heartbeats of the runs in this process, by Celery task id.
_beating: dict[str, Heartbeat] = {}


def start(config, celery_id: str) -> None:
    """Start the heartbeat of a run of the Celery task `celery_id` (an OCR task or range)."""
    heartbeat = Heartbeat(config, alive_key(config, celery_id))
    _beating[celery_id] = heartbeat
    heartbeat.thread.start()


def stop(celery_id: str, remove_key: bool = True) -> None:
    """Stop the heartbeat of the run `celery_id`, if it has one, and remove its key unless
    told not to (another run of `celery_id` beats it too)."""
    heartbeat = _beating.pop(celery_id, None)
    if heartbeat is not None:
        heartbeat.stop(remove_key)
