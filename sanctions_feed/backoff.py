"""How long to wait before trying again: the server's `Retry-After` when it gives one, else
exponential backoff. Shared by the crawler's requests, its downloads and webhook deliveries."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

BASE_DELAY = 2.0
MAX_DELAY = 120.0


def retry_delay(attempt: int, retry_after: str | None, now: datetime | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): the server's `Retry-After`
    (seconds or an HTTP date) when it gives one, else exponential backoff; capped either way."""
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return min(float(value), MAX_DELAY)
        try:
            when = parsedate_to_datetime(value)
            return min(max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0), MAX_DELAY)
        except (TypeError, ValueError):
            pass
    return min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY)
