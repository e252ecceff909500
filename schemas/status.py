"""A source's last run: what the store keeps and what manifests and index.json publish (the
store's `sources` table is made from this model, `schemas/tables.py`). Plain pydantic, so that a
reader of releases never imports the ORM."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from .base import Published

MAX_WARNINGS = 100


class SourceStatus(Published):
    """A source's last run, as the store keeps it and as manifests and index.json publish it."""

    name: str
    """The source's code (ofac_sdn, eu_fsf, ...)."""
    url: str | None = None
    """The official list's public URL (null for a file given by path)."""
    fetched_at: datetime | None = None
    """When the input last stored was fetched."""
    as_of: date | None = None
    """The date the source says its list is current as of."""
    sha256: str | None = None
    """The SHA-256 of that input."""
    records: int | None = None
    """Raw records the last stored input gave."""
    raw_parts: list[dict] = Field(default_factory=list)
    """The run's raw inputs by sha256 (url, sha256, bytes): what a rebuild needs."""
    status: str = "not_run"
    """ok, failed, refused (a guard tripped), or not_run."""
    last_checked: datetime | None = None
    """The last attempt, whatever came of it."""
    last_success: datetime | None = None
    """The last attempt that worked: new data stored, or the source found unchanged."""
    last_changed: datetime | None = None
    """The last time the source's data differed from what was stored, and was stored."""
    last_published: datetime | None = None
    """When a release last published a change of this source (`last_release` names it)."""
    last_release: str | None = None
    """The release that last published a change of this source."""
    signals: dict = Field(default_factory=dict)
    """The change check's state: the URL, its ETag and Last-Modified, the publisher's own signal,
    when the file was last fetched whole, and the parsing code that read it (`code`)."""
    error: str | None = None
    """Why the last attempt failed, if it did."""
    warnings: list[str] = Field(default_factory=list)
    """What the source's spider warned about in its last attempt (unconsumed fields, a missing
    optional page...), at most `MAX_WARNINGS` of them."""
