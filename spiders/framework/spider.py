"""The sources Scrapy crawls: the paged and HTML ones (NBCTF's API, Japan's list page, the legacy
CSV pair), whose requests go through Scrapy's scheduler, retries and throttling."""

from __future__ import annotations

import logging

import scrapy
from scrapy.utils.log import SpiderLoggerAdapter

from .base import Source
from .documents import refusal

ERROR_STATUSES = list(range(400, 600))


class SanctionsSpider(Source, scrapy.Spider):
    """A source crawled by Scrapy: `Source`'s declarations and checks, and Scrapy's requests."""

    abstract = True

    @property
    def logger(self) -> SpiderLoggerAdapter:
        """Scrapy's adapter: like `Source.logger`, it names the spider in each record."""
        return SpiderLoggerAdapter(logging.getLogger(self.name), {"spider": self})

    def request(self, url: str, **kwargs) -> scrapy.Request:
        """A request for this source; a local file is read once, never retried."""
        meta = kwargs.pop("meta", {})
        if url.startswith("file:"):
            meta.setdefault("dont_retry", True)
        kwargs.setdefault("errback", self.download_failed)
        return scrapy.Request(url, dont_filter=True, meta=meta, **kwargs)

    def document_request(self, url: str, **kwargs) -> scrapy.Request:
        """A request for a one-file download: every answer, an HTTP error too, reaches the callback,
        which reads it with `document()` (after Scrapy's retries of the transient ones)."""
        meta = kwargs.pop("meta", {})
        # Error statuses only: `handle_httpstatus_all` would also stop Scrapy following redirects
        # (OFAC answers 302 to a signed object-store URL).
        meta["handle_httpstatus_list"] = ERROR_STATUSES
        return self.request(url, meta=meta, **kwargs)

    def document(self, response, expected: str) -> bytes:
        """The body of a one-file download, if it may be the `expected` document (XML, JSON,
        XLSX, HTML); an error status, an empty body or an error page fails the run in one line."""
        problem = refusal(response.body, response.status, expected)
        if problem:
            raise self.fail(response.url, problem)
        return response.body

    def download_failed(self, failure):
        """Errback: a source that cannot be fetched fails this run (and keeps its last data)."""
        raise self.fail(failure.request.url, f"download failed: {failure.value}")

    def closed(self, reason):
        self.stopping = True
