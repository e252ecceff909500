"""Sources published as one file: a change check at the cost of one small request, then the
file streamed to disk while hashed, refused in one line if it is not the document, and parsed.
Scrapy fetches nothing for them: they run without it (`direct.run_source`), in the update's own
process when they are all it runs."""

from __future__ import annotations

import tempfile
import traceback
from pathlib import Path

from .base import Source, SourceError
from .documents import refusal
from .download import Document, DownloadError, fetch

SIGNAL_MAX_BYTES = 1024 * 1024


class OneFileSpider(Source):
    """A source published as one file: checked for a change at the cost of one small request,
    streamed to a temporary file while hashed (never held in memory), refused in one line if it
    is not a `document_kind` document (XML, JSON, XLSX; an error page, an empty body...), then
    read by `parse_file`, whose items (records, the snapshot) pass on in batches.

    The change check, cheapest first: the publisher's own signal (`signal_url`, read by
    `read_signal`) when the source has one; a conditional GET with the last ETag/Last-Modified;
    the sha256 of the download against the last good input. An unchanged source is not parsed."""

    abstract = True
    document_kind = "XML"
    max_bytes = 512 * 1024**2
    deadline = 1800.0
    """Seconds the whole download may take (OFAC's 120 MB has been seen at 190 KB/s)."""
    signal_method = "GET"

    def signal_url(self, url: str) -> str | None:
        """The URL of the publisher's cheap change signal for the file at `url`, or None."""
        return None

    def read_signal(self, document: Document) -> str | None:
        """The signal's value in its answer (None: the answer carries none this time); raises
        ValueError for an answer that is not what the signal should be. Default: the answer is a
        short text (a checksum, a date) and is the signal itself."""
        text = document.read().decode("utf-8", "replace").strip()
        if not text or len(text) > 200 or text[:1] in "<{[" or "\n" in text:
            raise ValueError(f"not a checksum or a date: {text[:60]!r}")
        return text

    def parse_file(self, document: Document, url: str):
        """Yield the file's listings (and rejected records), then its snapshot. `url`: the
        source's URL as requested (never the signed URL a redirect led to)."""
        raise NotImplementedError

    def download(self, url: str, **kwargs) -> Document:
        """One download (tests answer it offline), within the source's time limit."""
        if self.time_limit is not None:
            kwargs["deadline"] = min(kwargs.get("deadline", self.deadline), self.time_limit)
        return fetch(url, self.out_dir or Path(tempfile.gettempdir()), progress=self.progress, **kwargs)

    def items(self):
        """The run's items: the `unchanged` item, or the records in batches and the snapshot. A
        failure is kept in `error` (and `error_traceback` for one no rule foresaw), never raised."""
        url, document = self.source_url, None
        try:
            outcome = self.fetch_if_changed(url)
            if isinstance(outcome, dict):
                yield outcome
                return
            document = outcome
            document.progress = lambda done, total: self.progress(done, total, "parsing")
            for item in self.batched(self.parse_file(document, url)):
                yield item
        except SourceError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug, or data no parser rule foresaw: this source fails, loudly
            self.error = f"{self.name}: {type(exc).__name__}: {exc}"
            self.error_traceback = traceback.format_exc()
            self.logger.error("%s", self.error, exc_info=True)
        finally:
            if document is not None:
                document.discard()

    def fetch_if_changed(self, url: str) -> Document | dict:
        """The file at `url`, recorded in the run's raw inputs, or the `unchanged` item when a
        change check says it is the same."""
        # The signal is read on every run, first runs too: a file is stored with the signal it came with.
        unchanged = self.check_signal(url, self.publisher_signal(url))
        if unchanged:
            return unchanged
        headers = {name: self.signals[key] for name, key in (("If-None-Match", "etag"), ("If-Modified-Since", "last_modified"))
                   if self.signals.get(key)}
        try:
            document = self.download(url, headers=headers, max_bytes=self.max_bytes, deadline=self.deadline)
        except DownloadError as exc:
            raise self.fail(url, str(exc)) from None
        if document.status == 304 and headers:
            self.signals["verified_at"] = self.fetched_at.isoformat()
            return self.unchanged("HTTP 304, not modified since the last good input")
        problem = refusal(document.head(), document.status, self.document_kind)
        if problem:
            document.discard()
            raise self.fail(url, problem)
        self.signals.update(etag=document.headers.get("etag"), last_modified=document.headers.get("last-modified"))
        unchanged = self.check_bytes(document.sha256)
        if unchanged:
            document.discard()
            return unchanged
        self.record_raw(document, url)
        return document

    def publisher_signal(self, url: str) -> str | None:
        """The publisher's change signal, or None (none, or unreadable: then the file is fetched)."""
        check = self.signal_url(url)
        if check is None:
            return None
        try:
            answer = self.download(check, method=self.signal_method, to_memory=True, max_bytes=SIGNAL_MAX_BYTES,
                                   deadline=120.0, retries=1)
            if answer.status != 200:
                raise ValueError(f"HTTP {answer.status}")
            return self.read_signal(answer)
        except (DownloadError, ValueError) as exc:
            self.logger.warning("the change signal %s could not be read (%s): the file is fetched in full", check, exc)
            return None
