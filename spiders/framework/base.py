"""What every source spider shares: its declared metadata, local replay, and the raw snapshot."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import scrapy
from pydantic import ValidationError

from sanctions_feed.schemas.source import RawPart, Rejected, SourceMeta, SourceSnapshot

from .documents import json_error, refusal
from .download import Document, DownloadError, fetch, in_memory, keep

BATCH_SIZE = 500
ERROR_STATUSES = list(range(400, 600))
FULL_CHECK_EVERY = timedelta(hours=24)
"""A source's cheap change signal is trusted this long; then the file is fetched and hashed again
(a publisher may fix a file without a new publication)."""
SIGNAL_SETTLES = timedelta(minutes=30)
SIGNAL_MAX_BYTES = 1024 * 1024
SAME_BYTES = "the same sha256 as the last good input"


class SourceError(Exception):
    """A source sent data we do not understand: the run of that source fails, loudly."""


def location_url(location: str) -> str:
    """A path or URL given on the command line, as a URL Scrapy can fetch."""
    if urlparse(location).scheme in ("http", "https", "file"):
        return location
    return Path(location).expanduser().resolve().as_uri()


def location_path(url: str) -> str:
    """The file name to show in error messages."""
    parsed = urlparse(url)
    return parsed.path if parsed.scheme == "file" else url


def combined_sha256(parts: list[RawPart]) -> str:
    """One hash for a run's inputs: the file's own sha256 when there is one file (what
    `sha256sum` prints), else the sha256 of the parts' hex digests, one per line, in order."""
    if len(parts) == 1:
        return parts[0].sha256
    return hashlib.sha256("".join(p.sha256 + "\n" for p in parts).encode()).hexdigest()


def rejected_item(source: str, record_id: str | None, reason: str, raw) -> dict:
    """A {"rejected": ...} item: a raw record that could not become a listing, with the reason
    and the record as the source gave it (JSON for structured records), never dropped."""
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    return {"rejected": Rejected(source=source, source_record_id=record_id, reason=reason,
                                 raw=text[:2000]).model_dump(mode="json")}


class SanctionsSpider(scrapy.Spider):
    """Base spider. A source declares itself in class attributes, checked when its module loads:

    - `name`: the source's name, the same as its module's;
    - `meta`: a `SourceMeta` (authority, title, live URL, cron schedule, expected bounds);
    - `default`: whether `update` runs it when no source is named (True);
    - `sample`: its bundled sample in `samples/` beside the module, in the source's real format
      (a file, or a directory for a source read from several files), for `update --samples`.

    `location` (a path or URL given with `--source NAME=LOCATION`) replays a local copy.
    `known`: what the source's last good run read ({"sha256", "signals"}), for the change check.
    """

    name: str
    meta: SourceMeta
    default: bool = True
    sample: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):  # shared machinery, not a source
            return
        where = sys.modules[cls.__module__].__file__
        if not isinstance(getattr(cls, "name", None), str) or not cls.name:
            raise TypeError(f"{where}: {cls.__name__} declares no `name`")
        try:
            cls.meta = SourceMeta.model_validate(getattr(cls, "meta", None), from_attributes=True)
        except ValidationError as exc:
            raise TypeError(f"{where}: {cls.__name__}.meta is not a valid SourceMeta: {exc}") from None
        sample = cls.sample_path()
        if sample is not None and not sample.exists():
            raise TypeError(f"{where}: {cls.__name__}.sample {cls.sample!r}: {sample} does not exist")

    @classmethod
    def sample_path(cls) -> Path | None:
        """The bundled sample, or None when the source declares none."""
        if cls.sample is None:
            return None
        return Path(str(sys.modules[cls.__module__].__file__)).resolve().parent / "samples" / cls.sample

    def __init__(self, location: str | None = None, known: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.location = location
        self.known = known or {}
        self.error: str | None = None
        """Why the run failed, when it failed outside a Scrapy callback (the runner reports it)."""
        self.signals: dict = {}
        """What this run learnt of the source's change signals (validators, the publisher's own
        signal), stored with its data for the next run's check."""
        self.unconsumed: list[str] = []
        """Where the source sent fields the parser did not read (`update --strict` refuses the run)."""
        self._raw_parts: list[RawPart] = []
        # The run's one clock read, passed down by the update command.
        clock = os.environ.get("SANCTIONS_FEED_NOW")
        self.fetched_at = (datetime.fromisoformat(clock) if clock else datetime.now(timezone.utc)).replace(microsecond=0)

    @property
    def source_url(self) -> str:
        return location_url(self.location) if self.location else self.meta.url

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

    def parse_json(self, body: bytes, url: str):
        """The JSON value of a downloaded body; a body cut short, or an API's error object where
        the data should be, fails the run in one line."""
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise self.fail(url, f"not valid JSON, or cut short ({exc})") from None
        error = json_error(data)
        if error:
            raise self.fail(url, error)
        return data

    def fail(self, url: str, problem: str) -> SourceError:
        return SourceError(f"{self.name}: {location_path(url)}: {problem}")

    def download_failed(self, failure):
        """Errback: a source that cannot be fetched fails this run (and keeps its last data)."""
        raise self.fail(failure.request.url, f"download failed: {failure.value}")

    def batched(self, records, size: int = BATCH_SIZE):
        """Group record items ({"listing"} / {"rejected"}) into {"batch": [...]} items: Scrapy's
        per-item machinery costs more than parsing a record. Anything else (the snapshot, a
        further request) passes through, in order."""
        batch = []
        for record in records:
            if isinstance(record, dict) and ("listing" in record or "rejected" in record):
                batch.append(record)
                if len(batch) >= size:
                    yield {"batch": batch}
                    batch = []
            else:
                if batch:
                    yield {"batch": batch}
                    batch = []
                yield record
        if batch:
            yield {"batch": batch}

    def record_raw(self, body: bytes | Document, url: str) -> None:
        """Add a downloaded body (or document) to this run's snapshot: named by its sha256 (and
        kept in the raw archive when one is configured), so a release can be rebuilt from its inputs."""
        document = body if isinstance(body, Document) else in_memory(url, body)
        self._raw_parts.append(RawPart(url=url, sha256=document.sha256, bytes=document.size))
        archive = os.environ.get("SANCTIONS_FEED_ARCHIVE")
        if archive:
            keep(document, Path(archive) / document.sha256)

    def snapshot(self, url: str, as_of, records: int, delistings: dict | None = None) -> dict:
        """The run's snapshot item. `delistings`: record id -> the date the source says it withdrew
        the record, for a source that publishes its withdrawals."""
        snap = SourceSnapshot(source=self.name, url=url, fetched_at=self.fetched_at,
                              as_of=as_of, sha256=combined_sha256(self._raw_parts), records=records,
                              parts=self._raw_parts, delistings=delistings or {}, signals=self.signals)
        return {"snapshot": snap.model_dump(mode="json")}

    def unchanged(self, reason: str) -> dict:
        """The item saying the source has not changed since its last good run: nothing is parsed,
        stored or published for it."""
        return {"unchanged": {"reason": reason, "signals": self.signals}}

    def same_as_known(self, sha256: str) -> bool:
        return bool(self.known.get("sha256")) and self.known["sha256"] == sha256

    def full_check_due(self, known: dict) -> bool:
        """A signal is trusted for a day, and only once it has settled: when it changed but the
        file served was still the same, the file is fetched and hashed on every check for a while
        (a publisher may announce a publication before the file it serves has caught up)."""
        try:
            verified = datetime.fromisoformat(known["verified_at"])
            changed = datetime.fromisoformat(known["signal_changed_at"]) if known.get("signal_changed_at") else None
        except (KeyError, TypeError, ValueError):
            return True
        return (self.fetched_at - verified >= FULL_CHECK_EVERY
                or (changed is not None and self.fetched_at - changed < SIGNAL_SETTLES))

    def closed(self, reason):
        """Scrapy closed the spider (done, or its time limit): a download still running stops."""
        self.stopping = True

    def progress(self, done: int, total: int | None, phase: str = "downloading") -> None:
        """How far a long download or parse is, for the operator's progress line (written at
        most twice a second, beside the crawl's output)."""
        if getattr(self, "stopping", False):
            raise DownloadError("the source was stopped (its time limit)")
        now = time.monotonic()
        if now - getattr(self, "_progress_at", 0.0) < 0.5 or not getattr(self, "crawler", None):
            return
        self._progress_at = now
        path = Path(self.settings.get("SANCTIONS_FEED_OUT")) / f"{self.name}.progress"
        path.write_text(json.dumps({"phase": phase, "done": done, "total": total}))

    def audit(self, where: str, left: dict) -> None:
        """Warn about fields the parser did not consume: the source changed shape."""
        names = sorted(k for k, v in left.items() if v not in (None, "", [], {}))
        if names:
            self.unconsumed.append(f"{where}: {', '.join(names)}")
            self.logger.warning("unconsumed fields in %s: %s", where, ", ".join(names))


class OneFileSpider(SanctionsSpider):
    """A source published as one file: checked for a change at the cost of one small request,
    streamed to a temporary file while hashed (never held in memory), refused in one line if it
    is not a `document_kind` document (XML, JSON, XLSX; an error page, an empty body...), then
    read by `parse_file`, whose items (records, the snapshot, further requests) pass on in batches.

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
        """One download (tests answer it offline). Runs in a worker thread."""
        folder = Path(self.settings.get("SANCTIONS_FEED_OUT")) if getattr(self, "crawler", None) else None
        if folder is not None:
            limit = self.settings.getfloat("CLOSESPIDER_TIMEOUT")
            kwargs["deadline"] = min(kwargs.get("deadline", self.deadline), limit or self.deadline)
        return fetch(url, folder or Path(tempfile.gettempdir()), progress=self.progress, **kwargs)

    async def start(self):
        url, document = self.source_url, None
        try:
            outcome = await asyncio.to_thread(self.fetch_if_changed, url)
            if isinstance(outcome, dict):
                yield outcome
                return
            document = outcome
            self.record_raw(document, url)
            document.progress = lambda done, total: self.progress(done, total, "parsing")
            for item in self.batched(self.parse_file(document, url)):
                yield item
        except SourceError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug, or data no parser rule foresaw: this source fails, loudly
            self.error = f"{self.name}: {type(exc).__name__}: {exc}"
        finally:
            if document is not None and document.path is not None and urlparse(document.url).scheme != "file":
                document.path.unlink(missing_ok=True)

    def fetch_if_changed(self, url: str) -> Document | dict:
        """The file at `url`, or the `unchanged` item when a change check says it is the same."""
        known = self.known.get("signals") or {}
        same_url = bool(self.known) and known.get("url") == url
        self.signals = {**(known if same_url else {}), "url": url}
        # Read on every run, first runs too: what is stored with a file is the signal it came with.
        signal = self._signal(url)
        if signal is not None:
            if same_url and signal == known.get("signal") and not self.full_check_due(known):
                return self.unchanged(f"the publisher's change signal is the same: {signal}")
            if same_url and known.get("signal") not in (None, signal):
                self.signals["signal_changed_at"] = self.fetched_at.isoformat()
            self.signals["signal"] = signal
        headers = {}
        if same_url:
            headers = {name: known[key] for name, key in (("If-None-Match", "etag"), ("If-Modified-Since", "last_modified"))
                       if known.get(key)}
        try:
            document = self.download(url, headers=headers, max_bytes=self.max_bytes, deadline=self.deadline)
        except DownloadError as exc:
            raise self.fail(url, str(exc)) from None
        if document.status == 304 and headers:
            self.signals["verified_at"] = self.fetched_at.isoformat()
            return self.unchanged("HTTP 304, not modified since the last good input")
        problem = refusal(document.head(), document.status, self.document_kind)
        if problem:
            raise self.fail(url, problem)
        self.signals.update(etag=document.headers.get("etag"), last_modified=document.headers.get("last-modified"),
                            verified_at=self.fetched_at.isoformat())
        if self.same_as_known(document.sha256):
            if document.path is not None and urlparse(document.url).scheme != "file":
                document.path.unlink(missing_ok=True)
            return self.unchanged(SAME_BYTES)
        self.signals.pop("signal_changed_at", None)  # the new file is here: the signal has settled
        return document

    def _signal(self, url: str) -> str | None:
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
