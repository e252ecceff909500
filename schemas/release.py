"""A release's manifest and the feed's index.json: the documents that carry each source's last
run (`SourceStatus`)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel

from .feed import SCHEMA_VERSION, FileEntry, IndexVersion
from .status import SourceStatus


class Manifest(BaseModel):
    """A release's table of contents: every file with its sha256, size and row count. Signed
    (manifest.json.minisig) when the publisher has a key: the signature covers every file."""

    version: str
    previous: str | None
    created_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    """After this time a puller must not trust the release as current (a feed frozen by a mirror
    or an attacker is then noticed): a quiet feed publishes a renewal before it comes."""
    signed_by: str | None = None
    """The minisign key id of the signing key, or None for an unsigned release."""
    schema_version: str = SCHEMA_VERSION
    sources: list[SourceStatus]
    files: dict[str, FileEntry]


class IndexFile(BaseModel):
    latest: str | None
    updated_at: AwareDatetime
    schema_version: str = SCHEMA_VERSION
    versions: list[IndexVersion]
    sources: list[SourceStatus]
