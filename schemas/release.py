"""A release's manifest and the feed's index.json: the documents that carry each source's last
run (`SourceStatus`)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from .base import Published
from .feed import SCHEMA_VERSION, FileEntry, IndexArchive, IndexVersion
from .status import SourceStatus


class Manifest(Published):
    """A release's table of contents: every file with its sha256, size and row count. Signed
    (manifest.json.minisig) when the publisher has a key: the signature covers every file."""

    version: str
    """The release id."""
    previous: str | None
    """The release before it (null for the first): the chain `verify --all` walks."""
    created_at: AwareDatetime
    """When it was published."""
    expires_at: AwareDatetime | None = None
    """After this time a puller must not trust the release as current (a feed frozen by a mirror
    or an attacker is then noticed): a quiet feed publishes a renewal before it comes."""
    signed_by: str | None = None
    """The minisign key id of the signing key, or None for an unsigned release."""
    schema_version: str = SCHEMA_VERSION
    """The schema version its files follow."""
    sources: list[SourceStatus]
    """Each source's last run as of this release."""
    files: dict[str, FileEntry]
    """Every file of the release by path, with its sha256, size and rows."""


class IndexFile(Published):
    latest: str | None
    """The newest release (null before the first)."""
    updated_at: AwareDatetime
    """When index.json was last written."""
    schema_version: str = SCHEMA_VERSION
    """The schema version of the newest release."""
    versions: list[IndexVersion]
    """The newest releases, oldest first, with their counts (every release before 1.6; since,
    the older ones are in the yearly pages `archives` lists)."""
    archives: list[IndexArchive] = Field(default_factory=list)
    """Yearly pages of the releases that left `versions` (since 1.6), oldest first."""
    sources: list[SourceStatus]
    """Each source's last run."""
