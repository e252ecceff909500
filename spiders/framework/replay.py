"""A crawl replayed from the raw archive (`sanctions-feed rebuild`): each URL a past run fetched is
answered with the bytes it got then, found by the sha256 its snapshot recorded; any other URL is
not answered. The spiders run unchanged and see the URLs they asked for."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

REPLAY_ENV = "SANCTIONS_FEED_REPLAY"
"""A JSON file mapping each URL to the archived file holding its bytes."""


@cache
def _archived() -> dict[str, str] | None:
    location = os.environ.get(REPLAY_ENV)
    return json.loads(Path(location).read_text(encoding="utf-8")) if location else None


def replaying() -> bool:
    return _archived() is not None


def archived(url: str) -> Path | None:
    """The archived file for `url` in this replay (None: the past run did not fetch it)."""
    found = (_archived() or {}).get(url)
    return Path(found) if found else None


class ReplayMiddleware:
    """Answers Scrapy's requests from the archive while replaying; a no-op otherwise."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_request(self, request, spider=None):
        if not replaying():
            return None
        from scrapy.http import Response
        from scrapy.responsetypes import responsetypes

        path = archived(request.url)
        if path is None:
            return Response(request.url, status=404, body=b"not among the archived inputs of this replay",
                            request=request)
        body = path.read_bytes()
        kind = responsetypes.from_args(url=request.url, body=body)
        return kind(url=request.url, status=200, body=body, request=request)
