"""What every source shares: its declared metadata, local replay, the change check and the raw
snapshot (`Source`, which imports no Scrapy: the one-file sources run without it). The sources
Scrapy crawls derive from `spider.SanctionsSpider`."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

from pydantic import ValidationError

from sanctions_feed.schemas.source import RawPart, Rejected, SourceMeta, SourceSnapshot

from .documents import json_error
from .download import Document, DownloadError, in_memory, keep

BATCH_SIZE = 500
FULL_CHECK_EVERY = timedelta(hours=24)
"""A source's cheap change signal is trusted this long; then the file is fetched and hashed again
(a publisher may fix a file without a new publication)."""
SIGNAL_SETTLES = timedelta(minutes=30)
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


class Source:
    """Base of every source. A source declares itself in class attributes, checked when its module loads:

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

    def __init__(self, location: str | None = None, known: dict | None = None, now: datetime | None = None,
                 archive: str | None = None, out_dir: str | None = None, time_limit: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.location = location
        self.out_dir = Path(out_dir) if out_dir else None
        """The crawl's output directory (the progress notes go there), when run by a crawl."""
        self.time_limit = time_limit
        """Seconds this source may take (the update's --timeout), when run by a crawl."""
        self._started = time.monotonic()
        self.known = known or {}
        self.archive = archive
        """The raw archive (the crawl request's): every body read is kept there by its sha256."""
        self.error: str | None = None
        """Why the run failed, when it failed outside a Scrapy callback (the runner reports it)."""
        self.error_traceback: str | None = None
        """The traceback of an exception no parser rule foresaw (a bug, or data never seen): kept
        by the update with the run's log, so that the one-line error can be followed up."""
        self.signals: dict = {}
        """What this run learnt of the source's change signals (validators, the publisher's own
        signal), stored with its data for the next run's check."""
        self.stopping = False
        """Scrapy closed the spider (its time limit): a download still running stops."""
        self._progress_at = 0.0
        self.unconsumed: list[str] = []
        """Where the source sent fields the parser did not read (`update --strict` refuses the run)."""
        self._raw_parts: list[RawPart] = []
        # The run's one clock read, passed down by the update in its crawl request.
        self.fetched_at = (now or datetime.now(timezone.utc)).replace(microsecond=0)

    @property
    def logger(self) -> logging.LoggerAdapter:
        """The source's logger (as Scrapy names a spider's): its warnings reach the operator."""
        return logging.LoggerAdapter(logging.getLogger(self.name), {"spider": self})

    @property
    def source_url(self) -> str:
        return location_url(self.location) if self.location else self.meta.url

    def parse_json(self, body: bytes, url: str):
        """The JSON value of a downloaded body; a body cut short, or an API's error object where
        the data should be, fails the run in one line."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # a value nested too deep is no source's data either
            raise self.fail(url, f"not valid JSON, cut short, or nested too deep ({type(exc).__name__}: {exc})") from None
        error = json_error(data)
        if error:
            raise self.fail(url, error)
        return data

    def fail(self, url: str, problem: str) -> SourceError:
        return SourceError(f"{self.name}: {location_path(url)}: {problem}")

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
        if self.archive:
            keep(document, Path(self.archive))

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

    def check_signal(self, url: str, signal: str | None) -> dict | None:
        """Start this run's signals from the last good run's (when it read the same URL) and weigh
        the publisher's `signal`: the `unchanged` item when it is the same and trusted, else None
        (then the file is to be fetched)."""
        known = self.known.get("signals") or {}
        same_url = bool(self.known) and known.get("url") == url
        self.signals = {**(known if same_url else {}), "url": url}
        if signal is None:
            return None
        if same_url and signal == known.get("signal") and not self.full_check_due(known):
            return self.unchanged(f"the publisher's change signal is the same: {signal}")
        if same_url and known.get("signal") not in (None, signal):
            self.signals["signal_changed_at"] = self.fetched_at.isoformat()
        self.signals["signal"] = signal
        return None

    def check_bytes(self, sha256: str) -> dict | None:
        """After a whole download: the `unchanged` item when it has the last good input's bytes."""
        self.signals["verified_at"] = self.fetched_at.isoformat()
        if self.known.get("sha256") == sha256:
            return self.unchanged(SAME_BYTES)
        self.signals.pop("signal_changed_at", None)  # the new file is here: the signal has settled
        return None

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

    def progress(self, done: int, total: int | None, phase: str = "downloading") -> None:
        """How far a long download or parse is, for the operator's progress line (written at
        most twice a second, beside the crawl's output)."""
        if self.stopping:
            raise DownloadError("the source was stopped (its time limit)")
        now = time.monotonic()
        if self.time_limit is not None and now - self._started > self.time_limit:
            self.stopping = True
            raise SourceError(f"{self.name}: stopped after its time limit ({self.time_limit:g} s)")
        if now - self._progress_at < 0.5 or self.out_dir is None:
            return
        self._progress_at = now
        path = self.out_dir / f"{self.name}.progress"
        path.write_text(json.dumps({"phase": phase, "done": done, "total": total}))

    def audit(self, where: str, left: dict) -> None:
        """Warn about fields the parser did not consume: the source changed shape."""
        names = sorted(k for k, v in left.items() if v not in (None, "", [], {}))
        if names:
            self.unconsumed.append(f"{where}: {', '.join(names)}")
            self.logger.warning("unconsumed fields in %s: %s", where, ", ".join(names))


def __getattr__(name: str):
    """`from .framework.base import SanctionsSpider`, as site-local sources written before the
    split import it: Scrapy is imported only then."""
    if name == "SanctionsSpider":
        from .spider import SanctionsSpider

        return SanctionsSpider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
