"""The `sanctions-feed` command group: its options, the options every command shares, and the one
error boundary (the project's own errors become one-line messages here, once; anything else is a
bug and says so, with its traceback under --debug). The commands live in the modules beside it."""

from __future__ import annotations

import functools
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from sanctions_feed.errors import SanctionsFeedError, default_db_url

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
                if exc.details:  # e.g. the crawler child's traceback
                    click.echo(exc.details, err=True)
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
    from sanctions_feed.ops.logs import LEVELS

    if value and value.upper() in LEVELS:
        return value.upper(), None
    return None, value or None


def _load_config(ctx, _param, value: str | None):
    """--config FILE: the file's values become the defaults of every command's options (the
    command line and the environment still override them)."""
    if not value:
        return None
    from sanctions_feed.ops.config import ConfigError, default_map, load
    from sanctions_feed.spiders import source_names

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
    from sanctions_feed.ops.logs import setup

    env_level, log_file = _log_destination(log_file)
    level = log_level or env_level or ("INFO" if ctx.invoked_subcommand == "schedule" else "WARNING")
    setup(level, log_file)
    ctx.meta["log_level"] = level


def known_source(name: str, option: str) -> str:
    from sanctions_feed.spiders import source_names

    known = source_names()
    if name not in known:
        raise click.BadParameter(f"unknown source {name!r} (known: {', '.join(known)})", param_hint=option)
    return name


def parse_now(_ctx, _param, value: str | None) -> datetime | None:
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


def parse_pairs(values, option: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not rest.strip():
            raise click.BadParameter(f"{value!r}: expected NAME=VALUE", param_hint=option)
        out[known_source(name, option)] = rest.strip()
    return out
