"""Drive a spider offline: each request answered by a function, no reactor, no network.

Like City Bureau's `file_response`, but for multi-request spiders (pagination, languages), and
for the one-file sources' streamed downloads, which are answered by the same function.
"""

from __future__ import annotations

import asyncio

import scrapy
from scrapy.http import TextResponse
from twisted.python.failure import Failure

from sanctions_feed.spiders.framework.base import SourceError
from sanctions_feed.spiders.framework.download import DownloadError, in_memory
from sanctions_feed.spiders.framework.onefile import OneFileSpider


async def _collect(agen):
    return [item async for item in agen]


def drive(spider, answer) -> tuple[list[dict], list[scrapy.Request]]:
    """`answer(request)` returns (status, body bytes), or None for a failed download.
    Returns the items yielded and every request made, in order; raises SourceError when the
    spider failed the run."""
    requests: list[scrapy.Request] = []
    one_file = isinstance(spider, OneFileSpider)
    if one_file:
        def download(url, method="GET", headers=None, **_kwargs):
            request = scrapy.Request(url, method=method, headers=headers)
            requests.append(request)
            reply = answer(request)
            if reply is None:
                raise DownloadError(f"cannot fetch {url}")
            status, body = reply
            return in_memory(url, body, status)
        spider.download = download
    started = list(spider.items()) if one_file else asyncio.run(_collect(spider.start()))
    if getattr(spider, "error", None):
        raise SourceError(spider.error)
    items: list[dict] = []
    queue: list[scrapy.Request] = []
    for output in started:
        if isinstance(output, scrapy.Request):
            queue.append(output)
        else:
            items.extend(output.get("batch", [output]))
    while queue:
        request = queue.pop(0)
        requests.append(request)
        reply = answer(request)
        if reply is None:
            failure = Failure(OSError(f"cannot fetch {request.url}"))
            failure.request = request
            outputs = request.errback(failure)
        else:
            status, body = reply
            response = TextResponse(url=request.url, status=status, body=body, request=request,
                                    encoding="utf-8")
            outputs = request.callback(response, **request.cb_kwargs)
        for output in outputs or []:
            if isinstance(output, scrapy.Request):
                queue.append(output)
            else:  # records as the pipeline writes them: batches unpacked
                items.extend(output.get("batch", [output]))
    return items, requests
