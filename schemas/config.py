"""The configuration file (`--config FILE`, TOML): every key declared once, unknown keys refused."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceConfig(_Strict):
    """`[sources.NAME]`: how this deployment reads one source."""

    url: str | None = None
    """Read the source from here instead of its live URL (a mirror), as `--source NAME=URL` does."""
    cadence: str | None = None
    """The scheduler's cadence: cron (5 fields, UTC) or `every N[s|m|h]`."""
    enabled: bool = True
    """False: not run by `update` without `--only`, not scheduled."""
    expected_min: int | None = Field(default=None, ge=0)
    expected_max: int | None = Field(default=None, ge=0)
    """The listing counts a run must fall within (both, or neither), as SANCTIONS_FEED_BOUNDS sets them."""

    @model_validator(mode="after")
    def _bounds(self):
        if (self.expected_min is None) != (self.expected_max is None):
            raise ValueError("give expected_min and expected_max together")
        if self.expected_min is not None and self.expected_max is not None and self.expected_min > self.expected_max:
            raise ValueError("expected_min is above expected_max")
        return self


class LogConfig(_Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None
    file: str | None = None


class ConfigFile(_Strict):
    """The whole file. Paths are relative to the file's own folder."""

    feeds: str | None = None
    db: str | None = None
    """The store URL. Keep a password out of the file with `db_env` instead."""
    db_env: str | None = None
    """The name of an environment variable that holds the store URL."""
    archive: str | None = None
    timeout: float | None = Field(default=None, ge=1)
    """Each source's time limit per run, in seconds."""
    log: LogConfig = Field(default_factory=LogConfig)
    signing_key: str | None = None
    """The minisign secret key that signs every release (never inside the feed directory)."""
    expires_after: int | None = Field(default=None, ge=1)
    """Each release's validity, in days."""
    feed_url: str | None = None
    """The feed's public URL, for absolute links in changes.atom and webhooks."""
    publish_to: str | None = None
    """s3://bucket/prefix: push every release there."""
    webhooks: list[str] = Field(default_factory=list)
    """URLs told of every release with changes (the HMAC secret comes from SANCTIONS_FEED_WEBHOOK_SECRET)."""
    webhook_deadline: float | None = Field(default=None, ge=1)
    """Seconds each webhook delivery may take in all, retries included."""
    push_deadline: float | None = Field(default=None, ge=1)
    """Seconds the push to object storage may take in all."""
    plain_releases: int | None = Field(default=None, ge=0)
    """The newest releases kept as written; older ones keep their text files gzip-compressed (0: none packed)."""
    wait_for_lock: float | None = Field(default=None, ge=0)
    """Seconds an update waits for another update of the feed to end before it refuses."""
    sources: dict[str, SourceConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_db(self):
        if self.db and self.db_env:
            raise ValueError("give db or db_env, not both")
        return self

    @model_validator(mode="after")
    def _plain_releases(self):
        if self.plain_releases == 1:
            raise ValueError("plain_releases: 1 would pack the release before the latest: give 0 (none packed) or 2 or more")
        return self
