"""Waiting out an outage: its growing, capped delays and its budget carried in headers."""

from tasks.retrying import (
    OUTAGE_BACKOFF_MAX,
    OUTAGE_SINCE,
    OUTAGE_WAITS,
    outage_delay,
    outage_so_far,
)


def test_the_delays_grow_then_stay_under_the_cap():
    assert 0.5 <= outage_delay(0) <= 1
    assert 4 <= outage_delay(3) <= 8
    assert all(OUTAGE_BACKOFF_MAX / 2 <= outage_delay(n) <= OUTAGE_BACKOFF_MAX for n in (5, 40))


def test_an_outage_is_counted_from_its_first_failure():
    assert outage_so_far(None, 100.0) == (100.0, 0)
    assert outage_so_far({OUTAGE_SINCE: 40.0, OUTAGE_WAITS: 3}, 100.0) == (40.0, 3)
