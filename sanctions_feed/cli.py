"""The `sanctions-feed` command line. The project's own errors become one-line messages here, once;
anything else is a bug and says so (with its traceback under --debug)."""

from __future__ import annotations

import csv
import functools
import json
import os
import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click

from .errors import SanctionsFeedError, default_archive, default_db_url

# Commands import their machinery when they run: `--help` and `normalize` stay fast, and
# `update` loads the store while its crawler child is already at work.
EX_SOFTWARE = 70  # sysexits.h: an internal error
MAX_ECHOED_WARNINGS = 20


def feed_options(command):
    """--feeds and --db, shared by every command so that commands compose on one feed."""
    @click.option("--feeds", "feeds", type=click.Path(file_okay=False, path_type=Path),
                  envvar="SANCTIONS_FEED_DIR", default="feeds", show_default=True,
                  help="Feed directory (env SANCTIONS_FEED_DIR).")
    @click.option("--db", "db", envvar="SANCTIONS_FEED_DB", default=None,
                  help="Store URL, e.g. postgresql://... (env SANCTIONS_FEED_DB; default: SQLite beside the feed dir).")
    @functools.wraps(command)
    def wrapper(*args, feeds: Path, db: str | None, **kwargs):
        return command(*args, feeds=feeds, db=db or default_db_url(feeds), **kwargs)
    return wrapper


class FeedGroup(click.Group):
    """Expected failures (bad input, failed sources, missing releases) become one-line errors;
    a bug becomes one line that says so, or its traceback with --debug. A command whose exit
    statuses carry meaning (`check`: 1 is a match) names its own `error_exit` for both."""

    def _error_exit(self, ctx, default: int) -> int:
        return getattr(self.commands.get(ctx.invoked_subcommand or ""), "error_exit", default)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SanctionsFeedError as exc:
            if ctx.meta.get("debug"):
                raise
            error = click.ClickException(str(exc))
            error.exit_code = self._error_exit(ctx, error.exit_code)
            raise error from None
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): nothing more to say, to anyone
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(1)
        except Exception as exc:
            if ctx.meta.get("debug"):
                raise
            click.echo(f"Internal error (a bug in sanctions-feed): {type(exc).__name__}: {exc}; "
                       "run again with --debug for the traceback", err=True)
            ctx.exit(self._error_exit(ctx, EX_SOFTWARE))


def _set_debug(ctx, _param, value):
    ctx.meta["debug"] = value
    return value


def _log_destination(value: str | None) -> tuple[str | None, str | None]:
    """SANCTIONS_FEED_LOG names a log file, or (for convenience) a level."""
    from .logs import LEVELS

    if value and value.upper() in LEVELS:
        return value.upper(), None
    return None, value or None


def _load_config(ctx, _param, value: str | None):
    """--config FILE: the file's values become the defaults of every command's options (the
    command line and the environment still override them)."""
    if not value:
        return None
    from .config import ConfigError, default_map, load
    from .spiders import source_names

    try:
        config = load(Path(value), source_names())
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="'--config'") from None
    ctx.default_map = default_map(config, list(cli.commands))
    ctx.meta["config"], ctx.meta["config_path"] = config, str(Path(value).resolve())
    return value


@click.group(cls=FeedGroup)
@click.version_option(package_name="sanctions-feed")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="SANCTIONS_FEED_CONFIG",
              is_eager=True, expose_value=False, callback=_load_config,
              help="A TOML configuration file (env SANCTIONS_FEED_CONFIG); see `sanctions-feed config`.")
@click.option("--debug", is_flag=True, envvar="SANCTIONS_FEED_DEBUG", expose_value=False, is_eager=True,
              callback=_set_debug, help="Show the traceback of any error (env SANCTIONS_FEED_DEBUG).")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              envvar="SANCTIONS_FEED_LOG_LEVEL", default=None,
              help="Log from this level on, with UTC timestamps (default: INFO for `schedule`, WARNING otherwise; "
                   "env SANCTIONS_FEED_LOG_LEVEL).")
@click.option("--log-file", type=click.Path(dir_okay=False), envvar="SANCTIONS_FEED_LOG", default=None,
              help="Log to this file instead of stderr (env SANCTIONS_FEED_LOG; a level name there sets the level).")
@click.pass_context
def cli(ctx, log_level, log_file):
    """Crypto addresses named by official sanctions lists, as versioned JSON and CSV feeds.

    \b
    Example:
        sanctions-feed update --samples
    """
    from .logs import setup

    env_level, log_file = _log_destination(log_file)
    level = log_level or env_level or ("INFO" if ctx.invoked_subcommand == "schedule" else "WARNING")
    setup(level, log_file)
    ctx.meta["log_level"] = level


def _known_source(name: str, option: str) -> str:
    from .spiders import source_names

    known = source_names()
    if name not in known:
        raise click.BadParameter(f"unknown source {name!r} (known: {', '.join(known)})", param_hint=option)
    return name


def _parse_now(_ctx, _param, value: str | None) -> datetime | None:
    """--now as an aware UTC time, to the second; a time without a zone is UTC."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time (e.g. 2026-11-24T12:00:00Z)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).replace(microsecond=0)


def _parse_pairs(values, option: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not rest.strip():
            raise click.BadParameter(f"{value!r}: expected NAME=VALUE", param_hint=option)
        out[_known_source(name, option)] = rest.strip()
    return out


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
@click.option("--now", "now", default=None, metavar="ISO-TIME", callback=_parse_now,
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
@click.option("--webhook-deadline", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_WEBHOOK_DEADLINE", default=30,
              show_default=True, metavar="SECONDS",
              help="Each webhook delivery's time in all, retries included; subscribers are served at once "
                   "(env SANCTIONS_FEED_WEBHOOK_DEADLINE).")
@click.option("--push-deadline", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_PUSH_DEADLINE", default=120,
              show_default=True, metavar="SECONDS",
              help="The object-storage push's time in all; past it the push is a warning and the next run "
                   "finishes it (env SANCTIONS_FEED_PUSH_DEADLINE).")
@click.option("--wait-for-lock", "lock_wait", type=click.FloatRange(min=0), envvar="SANCTIONS_FEED_LOCK_WAIT",
              default=0, show_default=True, metavar="SECONDS",
              help="While another update of this feed (or store) runs, wait up to this long for it to end; then "
                   "refuse, exit 1 (env SANCTIONS_FEED_LOCK_WAIT; 0: refuse at once).")
@feed_options
def update(sources, only, samples, force, strict, reparse, archive, now, timeout, signing_key, expires_after,
           feed_url, publish_to, webhooks, webhook_deadline, push_deadline, lock_wait, feeds, db):
    """Crawl, normalize, store and publish; print a one-line summary.

    Each source is first checked for a change at the cost of one small request (the publisher's
    own signal, a conditional GET, or the sha256 of the download): an unchanged source is not
    parsed, stored or published again. A source that is not run or fails keeps its last good
    data. Exits 1 when every requested source failed (nothing is published).

    \b
    Example:
        sanctions-feed update --source ofac_sdn=./SDN_ADVANCED.XML --only ofac_sdn
    """
    from .config import configured_bounds, disabled
    from .publishing import publishing_settings
    from .update import run_update

    publishing = publishing_settings(feeds, signing_key, expires_after, feed_url, publish_to, webhooks,
                                     webhook_deadline, push_deadline)
    locations = _parse_pairs(sources, "--source")
    only = [_known_source(name, "--only") for name in only]
    config = click.get_current_context().find_root().meta.get("config")
    off = disabled(config)
    if off and not only:  # the configuration turned some sources off: name the others
        from .spiders import default_sources

        only = [name for name in dict.fromkeys(default_sources() + list(locations)) if name not in off]
    if now is not None:
        _after_latest_release(feeds, now)
    clock = now or datetime.now(timezone.utc).replace(microsecond=0)
    archive = archive or default_archive(feeds)
    with _stopped_by_sigterm():
        result = run_update(feeds, db, locations, only, force, clock, samples, archive, strict, reparse,
                            source_timeout=timeout, show_progress=sys.stderr.isatty(),
                            configured_bounds=configured_bounds(config), publishing=publishing,
                            lock_wait=lock_wait)
    for name, messages in sorted(result.warnings.items()):
        for message in messages[:MAX_ECHOED_WARNINGS]:
            click.echo(f"warning: {name}: {message}", err=True)
        if len(messages) > MAX_ECHOED_WARNINGS:
            click.echo(f"warning: {name}: ... and {len(messages) - MAX_ECHOED_WARNINGS} more (all in index.json)", err=True)
    for _name, error in sorted(result.failures.items()):
        click.echo(f"warning: {error}", err=True)
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
        from .errors import UpdateError

        raise UpdateError("stopped before the end: no partial release is visible, the previous release is intact "
                          "(the next run finishes or undoes anything left)") from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _after_latest_release(feeds: Path, now: datetime) -> None:
    """An explicit --now must not go back before what is published (history is append-only)."""
    from .publish.errors import FeedError
    from .publish.release import read_index

    try:
        index = read_index(feeds)
    except FeedError:  # an unreadable index.json is rebuilt from the releases, under the update lock
        return
    if index is not None and index.versions and now < index.versions[-1].created_at:
        raise click.BadParameter(f"{now:%Y-%m-%dT%H:%M:%SZ} is before the latest release "
                                 f"{index.versions[-1].id} (created {index.versions[-1].created_at:%Y-%m-%dT%H:%M:%SZ})",
                                 param_hint="'--now'")


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "text"]), default="text", show_default=True)
@feed_options
def diff(old, new, fmt, feeds, db):
    """Changes between two releases (by id; `latest` names the newest).

    \b
    Example:
        sanctions-feed diff 20261101T000000Z latest --format csv
    """
    from .publish.diff import diff as diff_releases
    from .publish.errors import FeedError
    from .publish.release import read_addresses, read_index
    from .publish.writers import CHANGES_CSV_HEADER, changes_csv_rows, csv_row

    index = read_index(feeds)
    if index is None or index.latest is None:
        raise FeedError(f"{feeds}: no releases yet (run `sanctions-feed update` first)")
    old, new = (index.latest if v == "latest" else v for v in (old, new))
    changes = diff_releases(old, read_addresses(feeds, old), new, read_addresses(feeds, new))
    if fmt == "json":
        click.echo(json.dumps(changes.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CHANGES_CSV_HEADER)
        for row in changes_csv_rows(changes):
            writer.writerow(csv_row(row))
    else:
        click.echo(f"{old} -> {new}: +{len(changes.added)} added, -{len(changes.removed)} removed, "
                   f"~{len(changes.changed)} changed")
        for sign, items in (("+", changes.added), ("-", changes.removed)):
            for a in items:
                holders = "; ".join(sorted({listing.holder for listing in a.listings if listing.holder}))
                click.echo(f"{sign} {a.id} [{a.status}] {holders}")
        for c in changes.changed:
            click.echo(f"~ {c.id} ({', '.join(c.fields)})")


@cli.command()
@click.argument("addresses", nargs=-1)
@click.option("--asset", default=None, metavar="CODE", help="The source's asset/currency label for ADDRESS arguments.")
@click.option("--file", "file", type=click.File("r", encoding="utf-8-sig"), default=None,
              help="CSV with a header and columns address, asset (asset may be empty).")
@feed_options
def normalize(addresses, asset, file, feeds, db):
    """Normalize addresses: one JSON object per line per address found, in input order.

    Pure: reads no feed and no store (--feeds and --db are accepted so scripts can pass them to
    every command alike).

    \b
    Example:
        sanctions-feed normalize TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq --asset XBT
    """
    from .normalize import normalize as normalize_cell

    rows = [(a, asset) for a in addresses]
    if file is not None:
        reader = csv.DictReader(file)
        if reader.fieldnames is None or "address" not in reader.fieldnames:
            raise click.ClickException(f"{file.name}: the CSV needs a header with an 'address' column")
        rows += [(r["address"], r.get("asset") or None) for r in reader]
    for raw, label in rows:
        for r in normalize_cell(raw, label):
            click.echo(json.dumps({"input": raw, "asset": r.asset, "kind": r.kind, "chain": r.chain,
                                   "address": r.address, "display": r.display, "validity": r.validity,
                                   "issues": list(r.issues), "platform": r.platform, "tag": r.tag, "id": r.id},
                                  ensure_ascii=False))


@cli.command()
@feed_options
def sources(feeds, db):
    """List the sources: authority, URL, schedule, and when each was last checked, last changed
    and last published (from the feed's index.json).

    \b
    Example:
        sanctions-feed sources --feeds /srv/feeds
    """
    from .publish.release import read_index
    from .spiders import load_sources

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


@cli.command()
@click.option("--only", multiple=True, metavar="NAME",
              help="Run only these sources (the others' jobs are paused, not deleted).")
@click.option("--list", "list_only", is_flag=True,
              help="Show each source's job, cadence and next run from the job store, then exit (changes nothing).")
@click.option("--cadence", "cadences", multiple=True, metavar="NAME=CADENCE",
              help="Poll NAME on this cadence instead of its default: cron (5 fields, UTC) or `every N[s|m|h]`.")
@click.option("--source", "sources", multiple=True, metavar="NAME=LOCATION",
              help="Every run of NAME reads this location instead of the live list (a mirror, a test server).")
@click.option("--timeout", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_SOURCE_TIMEOUT", default=1800,
              show_default=True, metavar="SECONDS",
              help="Each source's time limit per run; a run is stopped 300 s after it (env SANCTIONS_FEED_SOURCE_TIMEOUT).")
@feed_options
@click.pass_context
def schedule(ctx, only, list_only, cadences, sources, timeout, feeds, db):
    """Poll each source on its cadence, in this one process, until stopped.

    Each run is `sanctions-feed update --only NAME` in a fresh process, one at a time, with a time
    limit. Jobs are kept in `<feeds>.jobs.db` (one per source; a run missed by less than a day is
    made up once). SIGTERM or Ctrl-C stops the scheduler after the run in progress; a second one
    stops that run too (it publishes nothing half-done). One scheduler is active per feed (per
    store with PostgreSQL, across hosts): another one started waits as a standby and takes over
    when the first stops or dies.

    \b
    Example:
        sanctions-feed schedule --feeds /srv/feeds
        sanctions-feed schedule --list
        sanctions-feed schedule --only ofac_sdn --cadence "ofac_sdn=every 2m"
    """
    from .config import disabled
    from .scheduler import trigger
    from .spiders import default_sources, load_sources

    declared = load_sources()
    off = disabled(ctx.find_root().meta.get("config"))
    active = [_known_source(name, "--only") for name in only] or [n for n in default_sources() if n not in off]
    names = list(dict.fromkeys(default_sources() + active))
    overrides = _parse_pairs(cadences, "--cadence")
    plan = {name: overrides.get(name, declared[name].meta.schedule) for name in names}
    for name, cadence in plan.items():
        try:
            trigger(cadence)
        except ValueError as exc:
            raise click.BadParameter(f"{name}: {exc}", param_hint="--cadence") from None
    from .scheduler import RunSettings, job_lines, run_forever

    if list_only:
        for line in job_lines(feeds, plan):
            click.echo(line)
        return
    run_forever(plan, set(active), RunSettings(feeds=str(feeds), db=db, locations=_parse_pairs(sources, "--source"),
                                               source_timeout=timeout, log_level=ctx.meta["log_level"],
                                               config=ctx.meta.get("config_path")))


@cli.command("config")
@click.option("--timeout", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_SOURCE_TIMEOUT", default=1800,
              metavar="SECONDS", help="As `update --timeout`.")
@click.option("--archive", type=click.Path(file_okay=False), envvar="SANCTIONS_FEED_ARCHIVE", default=None,
              help="As `update --archive`.")
@feed_options
@click.pass_context
def show_config(ctx, timeout, archive, feeds, db):
    """Print the effective configuration as TOML, each value with where it came from (command
    line > environment > configuration file > default); passwords are masked.

    No configuration file is needed: without one, this shows the defaults. The output, with the
    real password put back (or `db_env`), is a valid configuration file.

    \b
    Example:
        sanctions-feed --config /etc/sanctions-feed.toml config
    """
    from .config import ConfigLine, describe
    from .store import masked_url

    root = ctx.find_root()
    db_origin = _origin(ctx, "db", "SANCTIONS_FEED_DB")
    settings = [
        ConfigLine("feeds", str(feeds), _origin(ctx, "feeds", "SANCTIONS_FEED_DIR")),
        ConfigLine("db", masked_url(db), db_origin if db_origin != "default" else "default: SQLite beside the feed directory"),
        ConfigLine("archive", str(archive or default_archive(feeds)), _origin(ctx, "archive", "SANCTIONS_FEED_ARCHIVE")),
        ConfigLine("timeout", timeout, _origin(ctx, "timeout", "SANCTIONS_FEED_SOURCE_TIMEOUT")),
    ]
    log = [ConfigLine("level", ctx.meta.get("log_level"), _origin(root, "log_level", "SANCTIONS_FEED_LOG_LEVEL")),
           ConfigLine("file", root.params.get("log_file"), _origin(root, "log_file", "SANCTIONS_FEED_LOG"))]
    for line in describe(ctx.meta.get("config_path"), ctx.meta.get("config"), settings, log):
        click.echo(line)


def _origin(ctx, name: str, env: str) -> str:
    """Where an option's value came from, in words."""
    source = ctx.get_parameter_source(name)
    return {"COMMANDLINE": "command line", "ENVIRONMENT": f"environment ({env})",
            "DEFAULT_MAP": "configuration file"}.get(source.name if source else "", "default")


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
    from .restore import rebuild_store as rebuild
    from .store import open_store

    counts = rebuild(open_store(db), feeds, version)
    click.echo("rebuilt the store: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@feed_options
def serve(host, port, feeds, db):
    """Serve the feed directory over HTTP, with ETags and conditional GETs.

    Release files (`v/<ID>/...`) are sent as immutable; `index.json` and `latest/` are revalidated.
    Nothing outside the feed directory is ever served.

    \b
    Example:
        sanctions-feed serve --feeds ./feeds --port 8080
    """
    from .publish.serve import make_server

    if not feeds.is_dir():
        raise click.ClickException(f"{feeds}: no feed directory (run `sanctions-feed update` first)")
    try:
        server = make_server(feeds, host, port)
    except OSError as exc:  # the port in use, a host that is not this machine's, a port below 1024
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"serving {feeds.resolve()} on http://{host}:{server.server_address[1]}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


def main():
    cli(prog_name="sanctions-feed")

# Registered on the group: keygen, verify, rebuild; check, history.
from . import analyst_commands, release_commands  # noqa: E402,F401
