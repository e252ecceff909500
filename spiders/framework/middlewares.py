"""Politeness: retried requests wait, longer each time, and as long as the server asks.

Scrapy's RetryMiddleware re-sends at once; a rate-limited API (429) or an overloaded one (5xx)
wants the caller to back off. This middleware sits just before it on the way back (to read a
`Retry-After`) and delays the retried request on its way out, without blocking the reactor.
"""

from __future__ import annotations

import asyncio

from sanctions_feed.backoff import retry_delay


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
