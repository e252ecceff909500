"""Records that cross the spider -> normalize -> store boundaries: source metadata, snapshots,
raw listings, and listings with their normalized address."""

from __future__ import annotations

import logging
from datetime import date
from typing import NamedTuple

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from .address import NormalizedAddress
from .links import public_link

REASON_MAX = 4000
"""A statement of reasons longer than this is cut (with `…`): the official record has it whole."""


class SourceMeta(BaseModel):
    """Declared on each spider: who publishes the list, where, how often, how big it should be."""

    authority: str
    title: str
    url: str
    """Where the spider reads the list by default."""
    public_url: str | None = None
    """The authority's public page for the list, when `url` is none (a bundled registry file):
    what the feed names as the official list."""
    schedule: str
    """Cron expression (UTC) for the scheduler."""
    expected_min: int = 0
    """Fewer listings than this from the live source (or a replay of it) and the run is refused."""
    expected_max: int = 1_000_000
    sample_min: int = 1
    """The same bounds for the bundled sample (`update --samples`)."""
    sample_max: int = 1_000

    @model_validator(mode="after")
    def _range(self):
        if self.expected_min > self.expected_max or self.sample_min > self.sample_max:
            raise ValueError("a minimum is above its maximum")
        return self


class RawPart(BaseModel):
    """One downloaded body of a run (a file, or a page of an API)."""

    url: str
    sha256: str
    bytes: int


class SourceSnapshot(BaseModel):
    """The raw input of one run: what was fetched, when, and its hash."""

    source: str
    url: str
    fetched_at: AwareDatetime
    as_of: date | None = None
    """The date the source says the list is current as of (e.g. OFAC's DateOfIssue)."""
    sha256: str
    records: int
    """Raw listings the spider yielded (rejected records included)."""
    parts: list[RawPart] = Field(default_factory=list)
    """Every body read, in order. `sha256` above is the single file's own hash, or for several
    parts the sha256 of their hex digests, one per line."""
    delistings: dict[str, date] = Field(default_factory=dict)
    """Record id -> the date the source itself says the record was withdrawn (Japan's `削除`
    rows). Such a record's listings are delisted on that date rather than on the run's."""
    signals: dict[str, str | None] = Field(default_factory=dict)
    """What the next run's change check compares: the URL, its ETag and Last-Modified, the
    publisher's own change signal, when the file was last fetched whole (`verified_at`)."""


class Holder(BaseModel):
    name: str | None = None
    type: str | None = None
    """individual, entity, vessel, aircraft, organization..."""
    status: str | None = None
    """Designation status where the source has one (active, cancelled)."""
    issues: list[str] = Field(default_factory=list)
    """What cleaning the name took (homoglyphs_replaced, quotes_stripped...): recorded, never silent."""


class RawListing(BaseModel):
    """One raw address mention: a source record, who holds it, and the address text as given."""

    source: str
    source_record_id: str
    raw_address: str
    raw_label: str | None = None
    """The source's currency/asset label (ticker, chain, Hebrew exchange label...)."""
    holder: Holder = Field(default_factory=Holder)
    holders: list[Holder] = Field(default_factory=list)
    """Further holders (the first is in `holder`)."""
    programs: list[str] = Field(default_factory=list)
    listed_on: date | None = None
    valid_until: date | None = None
    source_url: str | None = None
    cancelled: bool = False
    """The source withdrew this record (e.g. a cancelled order)."""
    truncated: bool = False
    """The source cut the text this address came from: never publish it as valid."""
    prose: bool = False
    """`raw_address` is free text (a remark, a statement of reasons): the normalize step takes the
    addresses out of it, one listing per address, each with the text and label as written."""
    reason: str | None = None
    """The source's reason or remark for the record (EU remark, UK statement of reasons, OFAC
    remarks, French MOTIFS), white space collapsed, at most `REASON_MAX` characters."""

    @field_validator("reason")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        text = " ".join((value or "").split())
        return (text[:REASON_MAX - 1] + "…" if len(text) > REASON_MAX else text) or None

    @model_validator(mode="after")
    def _public_link_only(self):
        """A link that is not http(s) is dropped, with a warning naming the record: logged by the
        source's own logger, so that it reaches the run's report like the spider's own warnings."""
        if self.source_url is not None and public_link(self.source_url) is None:
            logging.getLogger(self.source).warning("%s: link %r dropped: only http(s) links are published",
                                                   self.source_record_id, self.source_url[:200])
            self.source_url = None
        return self


class Rejected(BaseModel):
    """A raw record that could not become a listing, with the reason: published, never dropped."""

    source: str
    source_record_id: str | None = None
    reason: str
    raw: str


class NormalizedListing(NamedTuple):
    """A raw listing with one address normalization found in it: what the store keeps."""

    listing: RawListing
    address: NormalizedAddress
    assets: tuple[str, ...] = ()
    """Asset codes the record gave this address under (one record may name it as ETH and USDT)."""

    @property
    def id(self) -> str:
        """Stable listing id: source | source record id | address id."""
        return f"{self.listing.source}|{self.listing.source_record_id}|{self.address.id}"
