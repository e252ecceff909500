"""What we publish: the address records of a release, its changes, manifest and index."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, model_validator

from .address import Chain, Kind, Validity, caip2
from .links import public_link

SCHEMA_VERSION = "1.4"
"""1.1: manifest.json gains expires_at and signed_by; releases carry schema/*.json.
1.2: address records gain caip2; index.json's versions gain per-source counts and active
addresses per chain; releases carry the FollowTheMoney export (entities.ftm.json, entities.delta.json).
1.3: listing events gain recorded_on and release, and are sorted by (date, release); a `listed`
event is dated by the official listing date when the source gives one.
1.4: changes.json gains `listings`, each listing that changed with its fields before and after;
per-source counts in index.json count a change under the source whose listing changed."""
Status = Literal["active", "delisted", "expired"]
Day = date
"""`date`, by a name a model's own `date` field does not hide."""
Event = Literal["listed", "delisted", "relisted", "expired", "corrected"]


EVENT_ORDER = {"listed": 0, "relisted": 1, "corrected": 2, "expired": 3, "delisted": 4}
"""Same day, same release: the order events of one run happen in."""


class ListingEvent(BaseModel):
    """One dated event of a listing: listed, delisted, relisted, expired (the day after its
    valid_until), or corrected (the source changed what it says of the listing).

    Two dates, never to be taken for one another: `date` is when the event took effect, the
    official date where the source gives one (`listed`: the listing's `listed_on`; `expired`: the
    day after `valid_until`; `delisted`: the source's withdrawal date), else the day this feed saw
    it; `recorded_on` is always the day this feed recorded it, in `release`."""

    event: Event
    date: date
    recorded_on: Day | None = None
    """The day this feed recorded the event (its release's day): never an official date."""
    release: str | None = None
    """The release that first showed the event (None only in a release written before 1.3)."""


def effective_date(event: str, on: date, listed_on: date | None) -> date:
    """When an event took effect: a `listed` event seen after the official listing date took
    effect on that date; every other event on its own date."""
    return listed_on if event == "listed" and listed_on is not None and listed_on < on else on


def event_sort_key(event: ListingEvent) -> tuple:
    """Events in the order they happened: by date, then by the release that recorded them, then
    in a run's own order (a listing delisted and relisted on one day reads delisted, relisted)."""
    return (event.date, event.release or "~", EVENT_ORDER.get(event.event, 9))


class FeedListing(BaseModel):
    """One source record naming the address."""

    source: str
    source_record_id: str
    holder: str | None = None
    holder_type: str | None = None
    holder_status: str | None = None
    holder_issues: list[str] = Field(default_factory=list)
    """What cleaning the holder's name took, e.g. homoglyphs_replaced, quotes_stripped."""
    other_holders: list[str] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    assets: list[str] = Field(default_factory=list)
    listed_on: date | None = None
    valid_until: date | None = None
    status: Status
    first_seen: date
    delisted_on: date | None = None
    source_url: Annotated[str | None, AfterValidator(public_link)] = None
    """The official record's page: an http(s) URL or nothing (a store older than that check included)."""
    raw_address: str
    issues: list[str] = Field(default_factory=list)
    """What reading this listing's raw text found (e.g. homoglyphs_replaced, truncated)."""
    events: list[ListingEvent] = Field(default_factory=list)
    """The listing's history, oldest first (`event_sort_key`): a relisting never erases the
    delisting before it."""


class FeedAddress(BaseModel):
    """One address (or exchange account) with every listing that names it."""

    id: str
    chain: Chain
    address: str
    display: str
    kind: Kind
    platform: str | None = None
    tag: str | None = None
    """The destination tag or memo of a `tagged_deposit` (the address alone is an exchange's)."""
    validity: Validity
    issues: list[str]
    assets: list[str]
    status: Status
    first_seen: date
    listings: list[FeedListing]
    caip2: str | None = None
    """The CAIP-2 id of the chain the address was listed under (e.g. `eip155:1`, `tron:0x2b6653dc`):
    None for an unknown chain or one with no registered id. Derived from chain and issues, so a
    release written before 1.2 reads with it filled in."""

    @model_validator(mode="after")
    def _derive_caip2(self) -> FeedAddress:
        if self.caip2 is None:
            self.caip2 = caip2(self.chain, self.issues)
        return self


class AddressesFile(BaseModel):
    version: str
    addresses: list[FeedAddress]


class FieldChange(BaseModel):
    id: str
    fields: list[str]
    before: FeedAddress
    after: FeedAddress


class ValueChange(BaseModel):
    before: Any = None
    after: Any = None


class ListingChange(BaseModel):
    """What changed in one source's listing of one address: the change an analyst reads."""

    id: str
    """The address's id."""
    source: str
    source_record_id: str
    change: Literal["added", "removed", "changed"]
    """added: the record names the address now and did not before; removed: no longer there;
    changed: the record says something else of it."""
    status: str | None = None
    """The listing's status in this release (before it, for a removed one)."""
    fields: dict[str, ValueChange] = Field(default_factory=dict)
    """For a changed listing: each field that changed (status, listed_on, valid_until,
    delisted_on, holder, programs, ...), before and after."""
    event: str | None = None
    """The listing's event this release recorded (listed, delisted, relisted, expired, corrected), if any."""


class ChangesFile(BaseModel):
    from_: str | None = Field(alias="from")
    to: str
    added: list[FeedAddress] = Field(default_factory=list)
    removed: list[FeedAddress] = Field(default_factory=list)
    changed: list[FieldChange] = Field(default_factory=list)
    listings: list[ListingChange] | None = None
    """Every listing that changed, whatever its address's change (since 1.4; None in an older
    release): a change belongs to the source whose listing changed."""

    model_config = {"populate_by_name": True}


class FileEntry(BaseModel):
    sha256: str
    bytes: int
    rows: int


class SourceCounts(BaseModel):
    """One source's part of a release: its active addresses and the changes that touch it."""

    active: int
    added: int
    removed: int
    changed: int


class IndexVersion(BaseModel):
    id: str
    created_at: AwareDatetime
    previous: str | None = None
    addresses: int
    active: int
    added: int
    removed: int
    changed: int
    by_source: dict[str, SourceCounts] = Field(default_factory=dict)
    """Per source (since 1.2; empty for older releases): an address counts for every source that
    names it, so the sources' counts may add up to more than the release's."""
    active_by_chain: dict[str, int] = Field(default_factory=dict)
    """Active addresses per chain (since 1.2); exchange accounts under `account`."""


class IndexHead(BaseModel):
    """What a reader of releases needs of index.json (`check`): the latest release and the list.
    `IndexFile` is the whole document (with the sources' runs, read with the store's model)."""

    latest: str | None
    versions: list[IndexVersion]


class WebhookCounts(BaseModel):
    addresses: int
    active: int
    added: int
    removed: int
    changed: int


class WebhookPayload(BaseModel):
    """The body POSTed to each webhook after a release with changes."""

    event: Literal["release"] = "release"
    version: str
    previous: str | None
    created_at: AwareDatetime
    counts: WebhookCounts
    sources: list[str]
    """The sources whose new data this release publishes."""
    links: dict[str, str]
    """changes.json, changes.csv, changes.html, manifest.json, addresses.json of the release:
    absolute when the feed's public URL is configured, else relative to the feed root."""
    schema_version: str = SCHEMA_VERSION

