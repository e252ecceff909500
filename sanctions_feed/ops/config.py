"""The configuration file: read once, turned into the commands' defaults.

Precedence, highest first: the command line, the environment, the file, the built-in default
(click's own order, with the file as its `default_map`). No file is needed to start.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from sanctions_feed.errors import SanctionsFeedError
from sanctions_feed.schemas.config import ConfigFile


class ConfigError(SanctionsFeedError):
    """The configuration file cannot be used: one line naming the file and the key."""


MAX_BYTES = 1 << 20
"""A configuration file is a few hundred bytes: anything past a MiB is not one."""


def load(path: Path, known_sources: list[str]) -> ConfigFile:
    """The file, checked whole: every problem is named in one line (cadences and URLs as
    `schedule` and `update` check them), so that a file `config` accepts is one they accept."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ConfigError(f"{path}: not a regular file (a configuration file is TOML text)")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_BYTES >> 20} MiB: not a configuration file")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); TOML is UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a configuration file (values nested too deep)") from None
    try:
        config = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: " + "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors())) from None
    problems = value_problems(config, known_sources)
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return _resolved(config, path.resolve().parent)


def value_problems(config: ConfigFile, known_sources: list[str]) -> list[str]:
    """What the commands would refuse in a well-formed file: unknown sources, cadences, URLs."""
    from sanctions_feed.pipeline.publishing import url_problems

    problems = [f"sources.{name}: no such source (known: {', '.join(known_sources)})"
                for name in sorted(set(config.sources) - set(known_sources))]
    for name, source in sorted(config.sources.items()):
        if source.cadence:
            from sanctions_feed.ops.scheduler import trigger

            try:
                trigger(source.cadence)
            except ValueError as exc:
                problems.append(f"sources.{name}.cadence: {exc}")
    return problems + url_problems(config.feed_url, config.publish_to, tuple(config.webhooks),
                                   {key: key for key in ("feed_url", "publish_to", "webhooks")})


def _resolved(config: ConfigFile, folder: Path) -> ConfigFile:
    """Relative paths are relative to the file's folder; `db_env` is read now."""
    def path(value: str | None) -> str | None:
        return str(folder / Path(value).expanduser()) if value else None

    db = config.db
    if config.db_env:
        db = os.environ.get(config.db_env)
        if not db:
            raise ConfigError(f"db_env: the environment variable {config.db_env} is not set")
    return config.model_copy(update={
        "feeds": path(config.feeds), "archive": path(config.archive), "db": db, "db_env": None,
        "signing_key": path(config.signing_key),
        "log": config.log.model_copy(update={"file": path(config.log.file)}),
    })


def default_map(config: ConfigFile, commands: list[str]) -> dict:
    """click's default_map: the group's own options, and each command's."""
    common = {key: value for key, value in (("feeds", config.feeds), ("db", config.db)) if value is not None}
    locations = [f"{name}={source.url}" for name, source in sorted(config.sources.items()) if source.url]
    per_command: dict[str, dict] = {name: dict(common) for name in commands}
    for name in ("update", "schedule"):
        if locations:
            per_command[name]["sources"] = locations
    for name in ("update", "schedule", "config"):
        if config.timeout is not None:
            per_command[name]["timeout"] = config.timeout
    for name in ("update", "config"):
        if config.archive:
            per_command[name]["archive"] = config.archive
    publishing = {"signing_key": config.signing_key, "expires_after": config.expires_after,
                  "feed_url": config.feed_url, "publish_to": config.publish_to, "webhooks": config.webhooks or None,
                  "webhook_deadline": config.webhook_deadline, "push_deadline": config.push_deadline,
                  "plain_releases": config.plain_releases,
                  "lock_wait": config.wait_for_lock}
    per_command["update"].update({key: value for key, value in publishing.items() if value is not None})
    if config.signing_key:
        per_command.setdefault("keygen", dict(common))["signing_key"] = config.signing_key
    cadences = [f"{name}={source.cadence}" for name, source in sorted(config.sources.items()) if source.cadence]
    if cadences:
        per_command["schedule"]["cadences"] = cadences
    top = {key: value for key, value in (("log_level", config.log.level), ("log_file", config.log.file)) if value}
    return {**top, **per_command}


def configured_bounds(config: ConfigFile | None) -> dict[str, tuple[int, int]]:
    """The file's bounds per source (SANCTIONS_FEED_BOUNDS, in the environment, overrides them)."""
    return {name: (source.expected_min, source.expected_max) for name, source in (config.sources.items() if config else [])
            if source.expected_min is not None and source.expected_max is not None}


def disabled(config: ConfigFile | None) -> set[str]:
    return {name for name, source in (config.sources.items() if config else []) if not source.enabled}


class ConfigLine(NamedTuple):
    key: str
    value: Any
    origin: str


def describe(path: str | None, config: ConfigFile | None, settings: list[ConfigLine], log: list[ConfigLine]) -> list[str]:
    """The effective configuration as TOML lines, each value with its origin (`sanctions-feed config`)."""
    from sanctions_feed.pipeline.guards import bounds
    from sanctions_feed.spiders import load_sources

    def line(item: ConfigLine) -> str:
        if item.value is None:
            return f"# {item.key}: none"
        text = str(item.value).lower() if isinstance(item.value, bool) else json.dumps(item.value, ensure_ascii=False)
        return f"{item.key} = {text}  # {item.origin}"

    lines = ["# sanctions-feed: effective configuration (command line > environment > configuration file > default)",
             f"# configuration file: {path or 'none'}"]
    lines += [line(item) for item in settings if item.value is not None]
    lines += ["", "[log]"] + [line(item) for item in log]
    overrides = configured_bounds(config)
    from_env = os.environ.get("SANCTIONS_FEED_BOUNDS", "")
    for name, spider in load_sources().items():
        declared, chosen = spider.meta, (config.sources.get(name) if config else None)
        url = (ConfigLine("url", chosen.url, "configuration file (read as a replay, like --source)")
               if chosen and chosen.url else ConfigLine("url", declared.url, "live"))
        cadence = (ConfigLine("cadence", chosen.cadence, "configuration file") if chosen and chosen.cadence
                   else ConfigLine("cadence", declared.schedule, "default"))
        enabled = ConfigLine("enabled", spider.default and (chosen.enabled if chosen else True),
                             "configuration file" if chosen and not chosen.enabled
                             else "default" if spider.default else "default: run only when named")
        low, high = bounds(name, declared, "live", overrides.get(name))
        where = ("environment (SANCTIONS_FEED_BOUNDS)" if f"{name}=" in from_env
                 else "configuration file" if name in overrides else "default")
        lines += ["", f"[sources.{name}]"] + [line(item) for item in (
            url, cadence, enabled, ConfigLine("expected_min", low, where), ConfigLine("expected_max", high, where))]
    return lines
