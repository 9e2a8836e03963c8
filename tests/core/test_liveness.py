"""The liveness rule on a real Redis: a run is lost when its heartbeat is missing at two
passes a heartbeat apart, never at one pass alone (a Redis that restarted empty)."""

import json
import time
from datetime import timedelta

import redis

from ocrapp.core.liveness import alive_key, heartbeat_seconds, lost_runs
from ocrapp.core.models import utcnow
from tasks.heartbeat import Heartbeat


def test_a_run_is_lost_when_its_heartbeat_is_missing_at_two_passes_a_heartbeat_apart(app):
    app.config["REAPER_INTERVAL"] = 0.2
    long_ago = utcnow() - timedelta(minutes=5)
    dead, beating, young = "dead", "beating:11", "young"
    heartbeat = Heartbeat(app.config, alive_key(app.config, beating))
    heartbeat.thread.start()
    try:
        started = {dead: long_ago, beating: long_ago, young: utcnow()}
        assert lost_runs(app.config, started, utcnow()) == set()  # missing once
        assert lost_runs(app.config, started, utcnow()) == set()  # not a heartbeat apart
        time.sleep(heartbeat_seconds(app.config))
        assert lost_runs(app.config, started, utcnow()) == {dead}
    finally:
        heartbeat.stop()
    assert not redis.Redis.from_url(app.config["REDIS_URL"]).exists(alive_key(app.config, beating))


def test_a_superseded_runs_heartbeat_leaves_the_key_it_shares_with_the_run_that_took_over(app):
    key = alive_key(app.config, "superseded")
    heartbeat = Heartbeat(app.config, key)
    heartbeat.thread.start()
    heartbeat.stop(remove_key=False)
    assert redis.Redis.from_url(app.config["REDIS_URL"]).ttl(key) > 0


def test_a_redis_that_restarted_empty_loses_no_run_whose_heartbeat_comes_back(app):
    app.config["REAPER_INTERVAL"] = 0.2
    key = alive_key(app.config, "restarted")
    started = {"restarted": utcnow() - timedelta(minutes=5)}
    client = redis.Redis.from_url(app.config["REDIS_URL"])
    assert lost_runs(app.config, started, utcnow()) == set()
    client.delete(f"{key}:unseen")  # the restart took the first pass's note too
    assert lost_runs(app.config, started, utcnow()) == set()
    client.set(key, 1, ex=5)  # the heartbeat thread sets it again
    time.sleep(heartbeat_seconds(app.config))
    assert lost_runs(app.config, started, utcnow()) == set()
    client.delete(key)
    assert lost_runs(app.config, started, utcnow()) == set()  # counted from this pass


def test_a_run_whose_retry_a_worker_holds_is_not_lost_until_that_retry_is_overdue(app):
    app.config["REAPER_INTERVAL"] = 0.2
    started = {"retrying": utcnow() - timedelta(minutes=5)}
    broker = redis.Redis.from_url(app.config["BROKER_URL"])
    for eta, lost in ((utcnow() + timedelta(minutes=3), set()), (utcnow(), {"retrying"})):
        headers = {"id": "retrying", "eta": eta.isoformat()}
        broker.hset("unacked", "tag", json.dumps([{"headers": headers}, "", "ocr.small"]))
        try:
            later = utcnow() + timedelta(seconds=5)  # the retry is 5 s overdue, or still due
            lost_runs(app.config, started, later)
            time.sleep(heartbeat_seconds(app.config))
            assert lost_runs(app.config, started, later) == lost
        finally:
            broker.hdel("unacked", "tag")
