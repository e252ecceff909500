"""The main job, as the design draws it: crawl (child process) -> normalize -> guards -> store ->
verdicts -> build -> publish. Each step is a function of its own module, testable alone."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sanctions_feed.errors import UpdateError
from sanctions_feed.ops.locks import update_lock
from sanctions_feed.pipeline.crawl import Crawl, SourceRun, code_fingerprint, known_inputs
from sanctions_feed.publish.settings import UNSIGNED, Publishing


@dataclass(frozen=True)
class UpdateRequest:
    """One update, as the command line (with the configuration file's defaults) and `rebuild` ask
    for it: what to read, how strictly, and how to publish."""

    feeds: Path
    db_url: str
    now: datetime
    """The run's one clock read: every date the run records comes from it."""
    only: tuple[str, ...] = ()
    """The sources to run (none: every default source)."""
    locations: dict[str, str] = field(default_factory=dict)
    samples: bool = False
    force: bool = False
    strict: bool = False
    """Refuse a source that sent fields its parser does not read (and read every source again)."""
    reparse: bool = False
    """Read every source again, even one unchanged since its last good run."""
    archive: Path | None = None
    source_timeout: float | None = None
    show_progress: bool = False
    bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per source, the listing counts a run must fall within (the configuration file's)."""
    publishing: Publishing = UNSIGNED
    lock_wait: float = 0.0
    """Seconds to wait for another update of the feed to end (0: refuse at once)."""
    replay: Path | None = None
    """`rebuild`: a JSON file mapping each URL to the archived bytes a past run read."""


@dataclass
class RunOutcome:
    """What one source's run came to: stored, unchanged, failed or refused."""

    name: str
    text: str
    """For the summary line: counts, or why nothing changed."""
    failure: str | None = None
    stored: bool = False
    readings: dict = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)


@dataclass
class UpdateResult:
    version: str | None
    outcomes: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    added: int = 0
    removed: int = 0
    changed: int = 0
    warnings: dict[str, list[str]] = field(default_factory=dict)
    """What each source's spider warned about in this run."""
    readings: dict = field(default_factory=dict)
    """Listing id -> the address normalization read in it, for the sources stored in this run."""
    touched: set[str] = field(default_factory=set)
    """The addresses whose listings this run stored or delisted: the only verdicts it can change
    (unless the normalizing code changed)."""
    stored: list[str] = field(default_factory=list)
    """The sources whose new data this run stored."""
    renewal: bool = False
    """The release only renews the latest one before it expires (nothing changed)."""
    deliveries: list[str] = field(default_factory=list)
    """What became of the object-storage push and each webhook, for the log."""
    tracebacks: dict[str, str] = field(default_factory=dict)
    """Per failed source, the crawler's traceback of an unforeseen exception (shown with --debug)."""

    def add(self, run: SourceRun, outcome: RunOutcome) -> None:
        """One source's run and what it came to."""
        if run.traceback:
            self.tracebacks[run.name] = run.traceback
        if run.warnings:
            self.warnings[run.name] = run.warnings
        self.outcomes[run.name] = outcome.text
        if outcome.failure is not None:
            self.failures[run.name] = outcome.failure
        if outcome.stored:
            self.stored.append(run.name)
            self.readings.update(outcome.readings)
            self.touched |= outcome.touched

    def summary(self) -> str:
        if self.version and self.renewal:
            head = f"published {self.version}: renewal of the latest release before it expires, no change"
        elif self.version:
            head = f"published {self.version}: +{self.added} added, -{self.removed} removed, ~{self.changed} changed"
        else:
            head = "no change: no new version"
        return head + "; " + ", ".join(f"{name}: {text}" for name, text in sorted(self.outcomes.items()))


@contextmanager
def _faults_as_errors(feeds: Path, db_url: str):
    """A store that cannot be written (read-only, full, locked) or a feed directory that cannot
    be (full disk, no permission) is one line naming which, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from sanctions_feed.errors import StoreError
    from sanctions_feed.publish.errors import FeedError

    try:
        yield
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise StoreError(f"the store ({db_url.split('://', 1)[0]}) failed: {type(cause).__name__}: "
                         f"{(str(cause).splitlines() or [''])[0]}; nothing was published") from None
    except OSError as exc:
        raise FeedError(f"{feeds}: cannot write the release ({exc.strerror or exc}"
                        f"{': ' + str(exc.filename) if exc.filename else ''}); the previous release is intact") from None


def run_update(request: UpdateRequest) -> UpdateResult:
    """One update. The update lock is held from before the first read of the feed or the store
    until the last delivery: two updates never interleave, whatever they do."""
    feeds, db_url, now, publishing = request.feeds, request.db_url, request.now, request.publishing
    with update_lock(feeds, db_url, request.lock_wait) as lock:
        known = {} if request.reparse or request.strict else known_inputs(feeds)
        with Crawl(list(request.only), request.locations, request.samples, now, request.archive, known,
                   request.source_timeout, request.replay) as crawl:
            # While the child crawls, this process loads the rest of the pipeline (the other core).
            import followthemoney  # noqa: F401  (the FtM export's model: ~0.9 s to load, here in parallel)
            from sqlmodel import Session

            from sanctions_feed.pipeline.store import (
                open_store,
                published_release,
                record_expiries,
                record_release,
                refresh_verdicts,
                release_ids,
            )
            from sanctions_feed.publish.build import build_addresses, load_rejected, load_sources
            from sanctions_feed.publish.release import announce, prepare, refresh_index
            from sanctions_feed.publish.repair import repair

            engine = open_store(db_url)
            runs = crawl.results(request.show_progress)
        result = UpdateResult(version=None)
        # One transaction: the store commits only together with the release that shows it (a failed
        # publish rolls back what this update stored).
        with _faults_as_errors(feeds, db_url):
            with Session(engine) as session:
                # after a killed run or a changed index.json: pointers agree with the releases again
                repair(feeds, release_ids(session), published_release(session), publishing)  # each repair is logged
                _store_matches_feed(session, feeds, db_url, runs, now)
                for run in runs:
                    result.add(run, _apply_run(session, run, request))
                    run.listings = []  # stored: the parsed records are not read again (memory, on a big list)
                if len(result.failures) == len(runs):
                    refresh_index(feeds, load_sources(session), now)  # the operator sees the failure there too
                    session.commit()
                    error = UpdateError("; ".join(result.failures[run.name] for run in runs) + " (nothing published)")
                    error.details = "\n".join(result.tracebacks.values()) or None
                    raise error
                prepared = None
                if nothing_to_publish(session, feeds, result, now, publishing):
                    # every source as its last good run: only the checks are recorded (index.json's sources)
                    refresh_index(feeds, load_sources(session), now)
                else:
                    # the verdicts this run can change, from their listings, by today's code (all of them
                    # when the code that reads addresses changed)
                    refresh_verdicts(session, now.date(), result.readings, result.touched, code_fingerprint())
                    result.readings.clear()
                    record_expiries(session, now.date())
                    addresses = build_addresses(session, now.date())
                    # Two phases: the release is written whole but invisible, the store commits naming it,
                    # then `latest` and index.json point at it. A kill in between is finished or undone by
                    # `repair` at the next run. A lost lock stops the run before each phase.
                    lock.check()
                    prepared = prepare(feeds, addresses, load_rejected(session), load_sources(session), now, publishing)
                    if prepared is not None:
                        record_release(session, prepared.version, prepared.previous, now, prepared.manifest,
                                       prepared.signature, result.stored)
                        prepared.sources = load_sources(session)
                lock.check()
                session.commit()
            if prepared is not None:
                announce(feeds, prepared)
                changes = prepared.changes
                result.version, result.renewal = prepared.version, prepared.renewal
                result.added, result.removed, result.changed = len(changes.added), len(changes.removed), len(changes.changed)
        if publishing.publish_to or (prepared is not None and publishing.webhooks):
            from sanctions_feed.pipeline.deliver import distribute

            result.deliveries = distribute(feeds, engine, prepared, result.stored, publishing)
    return result


def nothing_to_publish(session, feeds: Path, result: UpdateResult, now: datetime, publishing) -> bool:
    """Decided before anything is built: no source stored new data, and nothing else can make a
    release differ from the latest: the verdicts were derived by this code, no listing's validity
    ended since the latest release's day, the store published that release, and it is not due for
    renewal. (Otherwise the release is built and diffed, and `prepare` decides.)"""
    from sqlalchemy import select

    from sanctions_feed.pipeline.crawl import code_fingerprint
    from sanctions_feed.pipeline.store import published_release
    from sanctions_feed.publish.reading import read_index_head
    from sanctions_feed.publish.release import read_manifest, release_day
    from sanctions_feed.schemas.tables import ListingRow, StoreStateRow

    if result.stored:
        return False
    index = read_index_head(feeds)
    latest = index.latest if index else None
    marker = session.get(StoreStateRow, "verdict_code")
    if latest is None or published_release(session) != latest or marker is None or marker.value != code_fingerprint():
        return False
    table = ListingRow.__table__  # type: ignore[attr-defined]
    ended = session.execute(select(table.c.id).where(
        table.c.status == "active", table.c.valid_until >= release_day(latest), table.c.valid_until < now.date())
    ).first()
    return ended is None and not publishing.renewal_due(read_manifest(feeds, latest), now)


def _store_matches_feed(session, feeds: Path, db_url: str, runs: list[SourceRun], now: datetime) -> None:
    """Refuse a store that is not the one that published this feed; index.json says so."""
    from sanctions_feed.pipeline.guards import GuardError, check_store_matches_feed
    from sanctions_feed.pipeline.store import masked_url, published_release, set_published, store_source_names
    from sanctions_feed.publish.release import read_index, refresh_index
    from sanctions_feed.schemas.status import SourceStatus

    index = read_index(feeds)
    latest = index.latest if index else None
    feed_sources = {s.name for s in index.sources if s.last_success} if index else set()
    try:
        check_store_matches_feed(published_release(session), store_source_names(session), latest, feed_sources,
                                 f"--db {masked_url(db_url)}")
    except GuardError as exc:
        statuses = {s.name: s for s in (index.sources if index else [])}
        for run in runs:
            status = statuses.get(run.name) or SourceStatus(name=run.name)
            statuses[run.name] = status.model_copy(update={"status": "refused", "error": str(exc), "last_checked": now})
        refresh_index(feeds, [statuses[name] for name in sorted(statuses)], now)
        raise UpdateError(f"{exc}; nothing was published") from None
    if latest is not None:
        set_published(session, latest)  # a store from before the marker, found to match: adopted


def _apply_run(session, run: SourceRun, request: UpdateRequest) -> RunOutcome:
    """normalize -> guards -> store for one source; a failed or refused run changes nothing."""
    from sanctions_feed.pipeline.guards import GuardError, check_fresh, check_run
    from sanctions_feed.pipeline.lifecycle import withdrawals
    from sanctions_feed.pipeline.normalizing import normalize_listings
    from sanctions_feed.pipeline.store import current_listings, record_failure, record_unchanged, save_run
    from sanctions_feed.schemas.links import public_link
    from sanctions_feed.schemas.source import SourceMeta
    from sanctions_feed.schemas.tables import SourceRow

    now, force = request.now, request.force
    status, error = "failed", run.error
    noted = f", {len(run.warnings)} warnings" if run.warnings else ""
    signals = {**run.signals, "code": code_fingerprint()}
    if error is None and run.unchanged is not None:
        record_unchanged(session, run.name, signals, now, run.warnings)
        return RunOutcome(run.name, f"unchanged ({run.unchanged}){noted}")
    if error is None and request.strict and run.unconsumed:
        status, error = "refused", (f"{run.name}: --strict: the source sent fields the parser does not read "
                                    f"({len(run.unconsumed)} records; first: {run.unconsumed[0]})")
    elif error is None and run.snapshot is not None:
        found = normalize_listings(run.listings, unread=run.rejected)
        current = current_listings(session, run.name)
        active = {lid for lid, row in current.items() if row.status == "active"}
        try:
            last = session.get(SourceRow, run.name)
            check_fresh(run.name, run.snapshot.as_of, last.as_of if last is not None else None, force)
            withdrawn = withdrawals(current, active - set(found), run.snapshot.delistings, now.date())
            meta = SourceMeta.model_validate(run.meta)
            removed = check_run(run.name, meta, set(found), active, force, run.input,
                                frozenset(withdrawn), request.bounds.get(run.name))
        except GuardError as exc:
            status, error = "refused", str(exc)
        else:
            delisted = {lid: now.date() for lid in removed} | withdrawn
            # The official list is the authority's public URL, never a replayed or bundled file's path.
            url = public_link(run.snapshot.url) or public_link(meta.public_url) or public_link(meta.url)
            save_run(session, run.name, run.snapshot.model_copy(update={"signals": signals, "url": url}), found, delisted,
                     run.rejected, current, now.date(), now, run.warnings)
            touched = {item.address.id for item in found.values()}
            touched |= {current[lid].address_id for lid in delisted if lid in current}
            return RunOutcome(run.name, f"{len(found)} listings, {len(run.rejected)} rejected{noted}", stored=True,
                              readings={listing_id: item.address for listing_id, item in found.items()},
                              touched=touched)
    record_failure(session, run.name, status, error or "unknown failure", now, run.warnings)
    return RunOutcome(run.name, f"{status}, kept last good data{noted}", failure=error or "unknown failure")
