"""Operating the service: `schedule`, `config`, `serve`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sanctions_feed.errors import default_archive

from .group import cli, feed_options, known_source, parse_pairs


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
    from sanctions_feed.ops.config import disabled
    from sanctions_feed.ops.scheduler import trigger
    from sanctions_feed.spiders import default_sources, load_sources

    declared = load_sources()
    off = disabled(ctx.find_root().meta.get("config"))
    active = [known_source(name, "--only") for name in only] or [n for n in default_sources() if n not in off]
    names = list(dict.fromkeys(default_sources() + active))
    overrides = parse_pairs(cadences, "--cadence")
    plan = {name: overrides.get(name, declared[name].meta.schedule) for name in names}
    for name, cadence in plan.items():
        try:
            trigger(cadence)
        except ValueError as exc:
            raise click.BadParameter(f"{name}: {exc}", param_hint="--cadence") from None
    from sanctions_feed.ops.scheduler import RunSettings, job_lines, run_forever

    if list_only:
        for line in job_lines(feeds, plan):
            click.echo(line)
        return
    run_forever(plan, set(active), RunSettings(feeds=str(feeds), db=db, locations=parse_pairs(sources, "--source"),
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
    from sanctions_feed.ops.config import ConfigLine, describe
    from sanctions_feed.pipeline.store import masked_url

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



@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--public-key", envvar="SANCTIONS_FEED_PUBLIC_KEY", default=None, metavar="FILE|KEY",
              help="Serve only releases signed by this key (a minisign.pub file or its key line); a release that "
                   "fails is refused and the previous one keeps serving (env SANCTIONS_FEED_PUBLIC_KEY).")
@click.option("--max-age", type=click.FloatRange(min=1), envvar="SANCTIONS_FEED_MAX_AGE", default=None,
              metavar="HOURS", help="/v1/ready fails while the newest verified release is older than this "
                                    "(a feed that stopped updating; env SANCTIONS_FEED_MAX_AGE).")
@click.option("--from", "remote", envvar="SANCTIONS_FEED_FROM", default=None, metavar="URL",
              help="Run as a replica of a remote feed (`serve` elsewhere, or the object-storage copy of "
                   "`update --publish-to`): its releases are pulled, verified and served from --cache.")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="A replica's local copy of the remote feed (default: ~/.cache/sanctions-feed/replica).")
@click.option("--reload-interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True, metavar="SECONDS",
              help="How often to look for a new release (a replica: one conditional GET of index.json).")
@feed_options
def serve(host, port, public_key, max_age, remote, cache, reload_interval, feeds, db):
    """Serve the screening API and the feed's files over HTTP (uvicorn).

    `GET /v1/check?address=A&address=B[&on=YYYY-MM-DD]` and `POST /v1/check` answer with the
    verdicts `check --format json` prints, from the latest verified release, followed within
    seconds of its publication with no restart. `/v1/health` and `/v1/ready` (200 only while a
    verified, unexpired release is loaded), `/metrics` (Prometheus), `/openapi.json`. Every other
    path is a feed file: releases (`v/<ID>/...`) immutable, `index.json` and `latest/`
    revalidated, with ETags and gzip; nothing outside the feed directory is ever served.

    \b
    Example:
        sanctions-feed serve --feeds ./feeds --port 8080
        curl 'http://127.0.0.1:8080/v1/check?address=0x098B716B8Aaf21512996dC57EB0615e2383E2f96'
        sanctions-feed serve --from https://feeds.example.org/ --public-key minisign.pub --max-age 48
    """
    import socket
    from datetime import timedelta

    from sanctions_feed.screening.api import AccessLog, create_app, serve_on
    from sanctions_feed.screening.screener import Screener

    if remote is None and not feeds.is_dir():
        raise click.ClickException(f"{feeds}: no feed directory (run `sanctions-feed update` first)")
    screener = Screener.open(remote or feeds, cache=cache, public_key=public_key,
                             max_age=timedelta(hours=max_age) if max_age else None)
    app = create_app(screener, reload_interval=reload_interval, access_log=AccessLog(sys.stderr))
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:  # the port in use, a host that is not this machine's, a port below 1024
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    where = remote or feeds.resolve()
    click.echo(f"serving {where} on http://{host}:{sock.getsockname()[1]}/")
    click.echo(f"screening against release {screener.release or '(none verified yet)'}; API under /v1/", err=True)
    serve_on(app, sock)
