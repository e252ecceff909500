"""`Screener`: the one screening engine behind `check`, `serve`'s `/v1/check` and Python callers.

It answers from a verified release of a feed directory (or of a remote feed mirrored into a
local cache, `mirror.Mirror`) and follows new releases: `refresh()` loads the newest one,
checks its signature and every file's hash, and swaps it in whole; a request in flight keeps the
release it started with. A release that fails its checks is refused and the previous one keeps
serving.

    from sanctions_feed.screening import Screener

    screener = Screener.open("./feeds")            # or "https://feeds.example.org/" (a replica)
    for verdict in screener.screen(["0x098B716B8Aaf21512996dC57EB0615e2383E2f96"]):
        print(verdict["status"], verdict["release"])
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sanctions_feed.errors import SanctionsFeedError
from sanctions_feed.publish.errors import FeedError
from sanctions_feed.publish.reading import index_for_day
from sanctions_feed.publish.release import read_addresses, read_index, read_manifest
from sanctions_feed.publish.verify import Reader, verify

from .results import verdict_object
from .screen import Screen, ScreenResult, release_in_force

log = logging.getLogger(__name__)
DAY_SCREENS = 16
"""Screens kept for `on` days (a release and a day each), least recently used dropped first."""


@dataclass(frozen=True)
class Loaded:
    """One release, checked and ready to screen against."""

    version: str
    published_at: datetime
    expires_at: datetime | None
    signed: bool
    verified: bool
    screen: Screen
    problems: tuple[str, ...] = ()


@dataclass
class Status:
    loaded: Loaded | None = None
    refused: dict[str, list[str]] = field(default_factory=dict)


class Screener:
    """Screens addresses against a feed's latest verified release (or the one in force on a day)."""

    def __init__(self, feeds: Path, public_key: str | None = None, max_age: timedelta | None = None,
                 mirror=None, source: str | None = None):
        self.feeds = Path(feeds)
        self.public_key = public_key
        self.max_age = max_age
        self.mirror = mirror
        self.source = source or str(self.feeds)
        self.status = Status()
        self._lock = threading.Lock()  # one refresh at a time; readers never wait for it
        self._days: OrderedDict[tuple[str, date], Screen] = OrderedDict()
        self.reloads = 0
        self.refusals = 0

    @classmethod
    def open(cls, source: str | Path, cache: Path | None = None, public_key: str | None = None,
             max_age: timedelta | None = None) -> Screener:
        """A screener over a feed directory, or over a remote feed (http(s) URL of a feed served
        by `serve` or of its object-storage copy) mirrored into `cache`; loaded once."""
        text = str(source)
        if text.startswith(("http://", "https://")):
            from .mirror import Mirror

            folder = cache or Path.home() / ".cache" / "sanctions-feed" / "replica"
            screener = cls(folder, public_key, max_age, mirror=Mirror(text, folder), source=text)
        else:
            screener = cls(Path(source), public_key, max_age)
        screener.refresh()
        return screener

    @property
    def release(self) -> str | None:
        loaded = self.status.loaded
        return loaded.version if loaded else None

    def refresh(self, now: datetime | None = None) -> bool:
        """Load the feed's newest release if it is not the one served; True when it was swapped in.
        A release that fails its checks is refused (said once, kept in `status.refused`)."""
        with self._lock:
            if self.mirror is not None:
                try:
                    self.mirror.sync()
                except FeedError as exc:
                    log.warning("replica: %s; still serving %s", exc, self.release or "nothing")
            try:
                index = read_index(self.feeds)
            except FeedError as exc:
                log.warning("%s; still serving %s", exc, self.release or "nothing")
                return False
            if index is None or not index.versions:
                return False
            newest = index.latest or index.versions[-1].id
            if newest == self.release or newest in self.status.refused:
                return False
            loaded = self._load(newest, now or datetime.now(timezone.utc))
            if loaded is None:
                return False
            self.status.loaded = loaded  # one reference swap: a request keeps what it read
            self.reloads += 1
            # The release's many long-lived objects out of the collector's way: a full collection
            # over them would pause every request in flight (the p99 at high concurrency).
            gc.collect()
            gc.freeze()
            log.info("serving release %s (published %s)", newest, loaded.published_at.isoformat())
            return True

    def _load(self, version: str, now: datetime) -> Loaded | None:
        report = verify(Reader(str(self.feeds)), version, self.public_key, now)
        # Without a pinned key, an unsigned release is served (said in /v1/health); with one, never.
        unsigned = [p for p in report.problems if "(the release is unsigned)" in p]
        problems = [p for p in report.problems if self.public_key is not None or p not in unsigned]
        expired = [p for p in problems if ": expired at " in p]
        if [p for p in problems if p not in expired]:
            self.status.refused[version] = problems
            self.refusals += 1
            log.error("release %s refused: %s", version, "; ".join(problems))
            return None
        manifest = read_manifest(self.feeds, version)
        screen = Screen(read_addresses(self.feeds, version))
        # Verified: every file's hash, and the signature when there is one (or a key is pinned).
        return Loaded(version, manifest.created_at, manifest.expires_at, not unsigned, True, screen, tuple(expired))

    def ready(self, now: datetime | None = None) -> tuple[bool, str | None]:
        """Whether to take traffic: a checked release is loaded, unexpired, and (with `max_age`)
        published recently enough. Fails closed."""
        loaded = self.status.loaded
        now = now or datetime.now(timezone.utc)
        if loaded is None:
            refused = "; ".join(f"{v}: {p[0]}" for v, p in self.status.refused.items() if p)
            return False, "no verified release loaded" + (f" (refused {refused})" if refused else "")
        if loaded.expires_at is not None and loaded.expires_at < now:
            return False, f"release {loaded.version} expired at {loaded.expires_at:%Y-%m-%dT%H:%M:%SZ}"
        if self.max_age is not None and now - loaded.published_at > self.max_age:
            return False, (f"release {loaded.version} is {_age(now - loaded.published_at)} old, older than --max-age "
                           f"{_age(self.max_age)}: the feed stopped updating")
        return True, None

    def health(self, now: datetime | None = None) -> dict:
        now = now or datetime.now(timezone.utc)
        loaded = self.status.loaded
        ready, reason = self.ready(now)
        return {"release": loaded.version if loaded else None,
                "published_at": loaded.published_at if loaded else None,
                "age_seconds": (now - loaded.published_at).total_seconds() if loaded else None,
                "signed": bool(loaded and loaded.signed), "verified": bool(loaded and loaded.verified),
                "expires_at": loaded.expires_at if loaded else None, "ready": ready, "reason": reason,
                "refused": dict(self.status.refused), "source": self.source}

    def check(self, addresses: Iterable[str], on: date | None = None) -> tuple[str, list[ScreenResult]]:
        """(the release answered from, one verdict per address each input names)."""
        version, screen = self._screen_for(on)
        return version, list(screen.check_lines(addresses))

    def screen(self, addresses: Iterable[str], on: date | None = None) -> list[dict]:
        """The verdict objects `check --format json` prints, one per address each input names."""
        version, results = self.check(addresses, on)
        return [verdict_object(result, version, on) for result in results]

    def _screen_for(self, on: date | None) -> tuple[str, Screen]:
        loaded = self.status.loaded
        if loaded is None:
            raise SanctionsFeedError(f"{self.source}: no verified release loaded")
        if on is None:
            return loaded.version, loaded.screen
        version = release_in_force(index_for_day(self.feeds, on), on, self.source)
        key = (version, on)
        with self._lock:
            screen = self._days.get(key)
            if screen is not None:
                self._days.move_to_end(key)
                return version, screen
        if self.mirror is not None:
            self.mirror.ensure(version)
        screen = Screen(read_addresses(self.feeds, version), on)
        with self._lock:
            self._days[key] = screen
            while len(self._days) > DAY_SCREENS:
                self._days.popitem(last=False)
        return version, screen


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 86400}d{seconds % 86400 // 3600}h" if seconds >= 86400 else f"{seconds // 3600}h{seconds % 3600 // 60}m"
