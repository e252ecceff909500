"""Drive a spider offline: each request answered by a function, no reactor, no network.

Like City Bureau's `file_response`, but for multi-request spiders (pagination, languages).
"""

from __future__ import annotations

import asyncio

import scrapy
from scrapy.http import TextResponse
from twisted.python.failure import Failure


async def _collect(agen):
    return [item async for item in agen]


def drive(spider: scrapy.Spider, answer) -> tuple[list[dict], list[scrapy.Request]]:
    """`answer(request)` returns (status, body bytes), or None for a failed download.
    Returns the items yielded and every request made, in order."""
    queue = asyncio.run(_collect(spider.start()))
    items, requests = [], []
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
