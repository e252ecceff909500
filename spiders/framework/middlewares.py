"""Politeness: retried requests wait, longer each time, and as long as the server asks.

Scrapy's RetryMiddleware re-sends at once; a rate-limited API (429) or an overloaded one (5xx)
wants the caller to back off. This middleware sits just before it on the way back (to read a
`Retry-After`) and delays the retried request on its way out, without blocking the reactor.
"""

from __future__ import annotations

import asyncio
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


class BackoffMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_response(self, request, response, spider=None):
        if response.status in (429, 503) and "Retry-After" in response.headers:
            request.meta["retry_after"] = response.headers.get("Retry-After").decode("latin-1")
        return response

    async def process_request(self, request, spider=None):
        attempt = request.meta.get("retry_times", 0)
        if attempt and not request.url.startswith("file:"):
            await asyncio.sleep(retry_delay(attempt, request.meta.pop("retry_after", None)))
        return None
