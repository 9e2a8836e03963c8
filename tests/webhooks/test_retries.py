"""When a failed delivery is tried again."""

from datetime import timedelta
from email.utils import format_datetime

import pytest

from ocrapp.core.models import utcnow
from ocrapp.webhooks.retries import backoff, next_delay, retry_after_seconds, should_retry


@pytest.mark.parametrize(
    ("status", "retried"),
    [
        *[(None, True), (500, True), (502, True), (503, True), (429, True)],
        *[(400, False), (401, False), (404, False), (410, False), (301, False)],
    ],
)
def test_network_errors_5xx_and_429_are_retried_other_answers_are_not(status, retried):
    assert should_retry(status) is retried


def test_the_backoff_doubles_from_5_seconds_with_jitter_up_to_an_hour():
    for attempt, full in [(1, 5), (2, 10), (3, 20), (4, 40), (10, 2560), (11, 3600), (60, 3600)]:
        delays = [backoff(attempt, 5, 3600) for _ in range(200)]
        assert all(full / 2 <= delay <= full for delay in delays)
        assert max(delays) - min(delays) > full / 10  # jittered, not all alike


def test_a_day_of_retries_is_about_forty_tries():
    elapsed, attempt = 0.0, 0
    while elapsed < 86400:
        attempt += 1
        elapsed += backoff(attempt, 5, 3600)
    assert 24 <= attempt <= 60


def test_retry_after_in_seconds_or_as_a_date_is_honoured():
    now = utcnow()
    assert retry_after_seconds("120", now) == 120
    later = format_datetime(now + timedelta(seconds=600), usegmt=True)
    assert 598 <= retry_after_seconds(later, now) <= 600
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
    assert next_delay(1, 120, 5, 3600) == 120
    assert next_delay(1, None, 5, 3600) <= 5
    # Longer than the cap, not honoured: a failing endpoint is tried at least that often.
    assert next_delay(1, 10800, 5, 3600) == 3600
