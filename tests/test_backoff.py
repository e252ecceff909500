"""Retries back off: exponentially, or as long as the server's Retry-After says."""

from __future__ import annotations

from datetime import datetime, timezone

from sanctions_feed.backoff import MAX_DELAY, retry_delay


def test_exponential_backoff_is_capped():
    assert [retry_delay(n, None) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert retry_delay(20, None) == MAX_DELAY


def test_retry_after_seconds_and_date():
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_delay(1, "30") == 30.0
    assert retry_delay(1, "Tue, 24 Nov 2026 12:00:45 GMT", now) == 45.0
    assert retry_delay(1, "Tue, 24 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_delay(3, "soon") == 8.0
    assert retry_delay(1, "99999") == MAX_DELAY
