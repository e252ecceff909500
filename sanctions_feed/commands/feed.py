"""The feed's own commands: `update` (the pipeline), `sources`, `rebuild-store`."""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click

from sanctions_feed.errors import default_archive
from sanctions_feed.publish.settings import PUSH_DEADLINE, WEBHOOK_DEADLINE

from .group import MAX_ECHOED_WARNINGS, cli, feed_options, known_source, parse_now, parse_pairs


def _plain_releases(_context, _parameter, value: int) -> int:
    if value == 1:
        raise click.BadParameter("1 would pack the release before the latest: give 0 (none packed) or 2 or more")
    return value


@cli.command()
@click.option("--source", "sources", multiple=True, metavar="NAME=LOCATION",
              help="Read a source from a local copy (a path or URL) instead of the live list.")
@click.option("--only", multiple=True, metavar="NAME", help="Run only these sources (repeatable).")
@click.option("--samples", is_flag=True, help="Use the bundled sample of every source.")
@click.option("--force", is_flag=True, help="Accept a run that removes a large share of a source.")
@click.option("--strict", is_flag=True,
              help="Refuse a source whose data has fields the parser does not read (default: warn, and publish).")
@click.option("--reparse", is_flag=True,
              help="Read every source again, even one unchanged since its last good run (default: an "
                   "unchanged source is not parsed, stored or published again).")
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), envvar="SANCTIONS_FEED_ARCHIVE",
              default=None, help="Keep every raw input in DIR, named by its sha256, for `rebuild` (env SANCTIONS_FEED_ARCHIVE; "
                   "default: <feeds>.raw beside the feed directory).")
@click.option("--now", "now", default=None, metavar="ISO-TIME", callback=parse_now,
              help="The run's clock, for replaying history (no zone means UTC); default: now.")
@click.option("--timeout", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_SOURCE_TIMEOUT", default=1800,
              show_default=True, metavar="SECONDS",
              help="Each source's time limit: one that hangs fails and keeps its last good data (env SANCTIONS_FEED_SOURCE_TIMEOUT).")
@click.option("--signing-key", type=click.Path(dir_okay=False, path_type=Path), envvar="SANCTIONS_FEED_SIGNING_KEY",
              default=None, metavar="FILE",
              help="Sign each release with this minisign secret key (`sanctions-feed keygen`; env SANCTIONS_FEED_SIGNING_KEY).")
@click.option("--expires-after", type=click.IntRange(min=1), envvar="SANCTIONS_FEED_EXPIRES_AFTER", default=30,
              show_default=True, metavar="DAYS",
              help="Each release's validity; a quiet feed renews its latest release a quarter of it ahead.")
@click.option("--feed-url", envvar="SANCTIONS_FEED_URL", default=None, metavar="URL",
              help="The feed's public URL, for absolute links in changes.atom and webhooks (env SANCTIONS_FEED_URL).")
@click.option("--publish-to", envvar="SANCTIONS_FEED_PUBLISH_TO", default=None, metavar="s3://BUCKET/PREFIX",
              help="Push each release to S3-compatible storage (AWS settings from the standard environment and "
                   "files; env SANCTIONS_FEED_PUBLISH_TO).")
@click.option("--webhook", "webhooks", multiple=True, envvar="SANCTIONS_FEED_WEBHOOKS", metavar="URL",
              help="POST a signed summary of each release with changes here (repeatable; env SANCTIONS_FEED_WEBHOOKS, "
                   "space-separated; the HMAC secret from SANCTIONS_FEED_WEBHOOK_SECRET).")
@click.option("--webhook-deadline", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_WEBHOOK_DEADLINE", default=WEBHOOK_DEADLINE,
              show_default=True, metavar="SECONDS",
              help="Each webhook delivery's time in all, retries included; subscribers are served at once "
                   "(env SANCTIONS_FEED_WEBHOOK_DEADLINE).")
@click.option("--push-deadline", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_PUSH_DEADLINE", default=PUSH_DEADLINE,
              show_default=True, metavar="SECONDS",
              help="The object-storage push's time in all; past it the push is a warning and the next run "
                   "finishes it (env SANCTIONS_FEED_PUSH_DEADLINE).")
@click.option("--plain-releases", type=click.IntRange(min=0), envvar="SANCTIONS_FEED_PLAIN_RELEASES",
              default=0, show_default=True, metavar="N", callback=_plain_releases,
              help="Keep the newest N releases as written and older ones' text files gzip-compressed only, "
                   "still served at their own URLs by `serve` and deploy/'s nginx (env "
                   "SANCTIONS_FEED_PLAIN_RELEASES; deploy/ sets 10; 0: every release stays as written; at "
                   "least 2 otherwise).")
@click.option("--wait-for-lock", "lock_wait", type=click.FloatRange(min=0), envvar="SANCTIONS_FEED_LOCK_WAIT",
              default=0, show_default=True, metavar="SECONDS",
              help="While another update of this feed (or store) runs, wait up to this long for it to end; then "
                   "refuse, exit 1 (env SANCTIONS_FEED_LOCK_WAIT; 0: refuse at once).")
@feed_options
def update(sources, only, samples, force, strict, reparse, archive, now, timeout, signing_key, expires_after,
           feed_url, publish_to, webhooks, webhook_deadline, push_deadline, plain_releases, lock_wait, feeds, db):
    """Crawl, normalize, store and publish; print a one-line summary.

    Each source is first checked for a change at the cost of one small request (the publisher's
    own signal, a conditional GET, or the sha256 of the download): an unchanged source is not
    parsed, stored or published again. A source that is not run or fails keeps its last good
    data. Exits 1 when every requested source failed (nothing is published).

    \b
    Example:
        sanctions-feed update --source ofac_sdn=./SDN_ADVANCED.XML --only ofac_sdn
    """
    from sanctions_feed.ops.config import configured_bounds, disabled
    from sanctions_feed.pipeline.publishing import publishing_settings
    from sanctions_feed.pipeline.update import UpdateRequest, run_update

    publishing = publishing_settings(feeds, signing_key, expires_after, feed_url, publish_to, webhooks,
                                     webhook_deadline, push_deadline, plain_releases)
    locations = parse_pairs(sources, "--source")
    only = [known_source(name, "--only") for name in only]
    config = click.get_current_context().find_root().meta.get("config")
    off = disabled(config)
    if off and not only:  # the configuration turned some sources off: name the others
        from sanctions_feed.spiders import default_sources

        only = [name for name in dict.fromkeys(default_sources() + list(locations)) if name not in off]
    if now is not None:
        _after_latest_release(feeds, now)
    request = UpdateRequest(
        feeds=feeds, db_url=db, now=now or datetime.now(timezone.utc).replace(microsecond=0), only=tuple(only),
        locations=locations, samples=samples, force=force, strict=strict, reparse=reparse,
        archive=archive or default_archive(feeds), source_timeout=timeout, show_progress=sys.stderr.isatty(),
        bounds=configured_bounds(config), publishing=publishing, lock_wait=lock_wait)
    with _stopped_by_sigterm():
        result = run_update(request)
    for name, messages in sorted(result.warnings.items()):
        for message in messages[:MAX_ECHOED_WARNINGS]:
            click.echo(f"warning: {name}: {message}", err=True)
        if len(messages) > MAX_ECHOED_WARNINGS:
            click.echo(f"warning: {name}: ... and {len(messages) - MAX_ECHOED_WARNINGS} more (all in index.json)", err=True)
    for name, error in sorted(result.failures.items()):
        click.echo(f"warning: {error}", err=True)
        if name in result.tracebacks and click.get_current_context().meta.get("debug"):
            click.echo(result.tracebacks[name], err=True)
    for delivery in result.deliveries:
        click.echo(delivery, err=True)
    click.echo(result.summary())
    if result.version and publishing.key is None:
        click.echo(f"note: release {result.version} is unsigned: no signing key (`sanctions-feed keygen`, then "
                   "--signing-key or SANCTIONS_FEED_SIGNING_KEY)", err=True)


@contextmanager
def _stopped_by_sigterm():
    """SIGTERM (a service manager, the scheduler) stops an update as Ctrl-C does: the crawl is
    killed, the store rolls back, a half-written release is removed; one line says so."""
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt) if threading.current_thread() is threading.main_thread() else None
    try:
        yield
    except KeyboardInterrupt:
        from sanctions_feed.errors import UpdateError

        raise UpdateError("stopped before the end: no partial release is visible, the previous release is intact "
                          "(the next run finishes or undoes anything left)") from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _after_latest_release(feeds: Path, now: datetime) -> None:
    """An explicit --now must not go back before what is published (history is append-only)."""
    from sanctions_feed.publish.errors import FeedError
    from sanctions_feed.publish.release import read_index

    try:
        index = read_index(feeds)
    except FeedError:  # an unreadable index.json is rebuilt from the releases, under the update lock
        return
    if index is not None and index.versions and now < index.versions[-1].created_at:
        raise click.BadParameter(f"{now:%Y-%m-%dT%H:%M:%SZ} is before the latest release "
                                 f"{index.versions[-1].id} (created {index.versions[-1].created_at:%Y-%m-%dT%H:%M:%SZ})",
                                 param_hint="'--now'")



@cli.command()
@feed_options
def sources(feeds, db):
    """List the sources: authority, URL, schedule, and when each was last checked, last changed
    and last published (from the feed's index.json).

    \b
    Example:
        sanctions-feed sources
    """
    from sanctions_feed.publish.release import read_index
    from sanctions_feed.spiders import load_sources

    index = read_index(feeds)
    state = {s.name: s for s in index.sources} if index else {}

    def when(moment) -> str:
        return f"{moment:%Y-%m-%dT%H:%M:%SZ}" if moment else "never"

    for name, spider in load_sources().items():
        meta, last = spider.meta, state.get(name)
        seen = "never run"
        if last is not None:
            seen = (f"{last.status}, checked {when(last.last_checked)}, changed {when(last.last_changed)}, "
                    f"published {when(last.last_published)}" + (f" in {last.last_release}" if last.last_release else "")
                    + f", as of {last.as_of or '?'}" + (f"; error: {last.error}" if last.error else ""))
        click.echo(f"{name}: {meta.authority} - {meta.title} [{meta.schedule}] {meta.url} ({seen})")



@cli.command("rebuild-store")
@click.option("--version", "version", default=None, metavar="ID", help="The release to rebuild from (default: the latest).")
@feed_options
def rebuild_store(version, feeds, db):
    """Rebuild a lost store from the feed: every address, listing, event, source and rejected
    record of a release, into an empty store, checked to build that release again.

    `update` refuses a store that did not publish the feed's latest release (a lost, emptied or
    mistyped one would drop every source the run does not touch): this is the way back. The raw
    inputs can also be replayed (`update --source NAME=ARCHIVE/<sha256>`).

    \b
    Example:
        sanctions-feed rebuild-store --feeds /srv/feeds --db sqlite:////srv/feeds.db
    """
    from sanctions_feed.pipeline.store import open_store
    from sanctions_feed.pipeline.store_rebuild import rebuild_store as rebuild

    counts = rebuild(open_store(db), feeds, version)
    click.echo("rebuilt the store: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


