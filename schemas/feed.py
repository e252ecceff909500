"""What we publish: the address records of a release, its changes, manifest and index."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, model_validator

from .address import Chain, Kind, Validity, caip2
from .base import Published
from .links import public_link

SCHEMA_VERSION = "1.6"
"""1.1: manifest.json gains expires_at and signed_by; releases carry schema/*.json.
1.2: address records gain caip2; index.json's versions gain per-source counts and active
addresses per chain; releases carry the FollowTheMoney export (entities.ftm.json, entities.delta.json).
1.3: listing events gain recorded_on and release, and are sorted by (date, release); a `listed`
event is dated by the official listing date when the source gives one.
1.4: changes.json gains `listings`, each listing that changed with its fields before and after;
per-source counts in index.json count a change under the source whose listing changed.
1.5: listings gain authority (the authority's name), program_titles (an English title for each
programme the tables know) and reason with reason_lang (the source's reason or remark);
changes.csv has one row per changed listing.
1.6: index.json keeps the newest releases in `versions` and lists yearly pages of the older ones in
`archives` (`index/<year>.json`, each with its sha256), so that it stays bounded."""
Status = Literal["active", "delisted", "expired"]
Day = date
"""`date`, by a name a model's own `date` field does not hide."""
Event = Literal["listed", "delisted", "relisted", "expired", "corrected"]


EVENT_ORDER = {"listed": 0, "relisted": 1, "corrected": 2, "expired": 3, "delisted": 4}
"""Same day, same release: the order events of one run happen in."""


class ListingEvent(Published):
    """One dated event of a listing: listed, delisted, relisted, expired (the day after its
    valid_until), or corrected (the source changed what it says of the listing).

    Two dates, never to be taken for one another: `date` is when the event took effect, the
    official date where the source gives one (`listed`: the listing's `listed_on`; `expired`: the
    day after `valid_until`; `delisted`: the source's withdrawal date), else the day this feed saw
    it; `recorded_on` is always the day this feed recorded it, in `release`."""

    event: Event
    """listed, delisted, relisted, expired or corrected."""
    date: date
    """When the event took effect: the official date where the source gives one, else the day this feed saw it."""
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


class FeedListing(Published):
    """One source record naming the address."""

    source: str
    """The list that names it: ofac_sdn, ofac_sdn_legacy, eu_fsf, gb_fcdo, fr_tresor, jp_mof, il_nbctf, us_fbi."""
    source_record_id: str
    """The official record in that list (OFAC's entity number, the EU's logical id, the UK's unique id, ...)."""
    authority: str | None = None
    """The authority that publishes the source's list (e.g. `US Treasury OFAC`; None before 1.5)."""
    holder: str | None = None
    """Who the record names as holding the address, as the source spells it (look-alike letters replaced)."""
    holder_type: str | None = None
    """individual, entity, vessel, aircraft, or the source's own word."""
    holder_status: str | None = None
    """The holder's status where the source gives one (NBCTF designations: active, cancelled)."""
    holder_issues: list[str] = Field(default_factory=list)
    """What cleaning the holder's name took, e.g. homoglyphs_replaced, quotes_stripped."""
    other_holders: list[str] = Field(default_factory=list)
    """Further holders the record names, besides `holder`."""
    programs: list[str] = Field(default_factory=list)
    """The sanctions programmes, regimes, regulations or orders the record cites, as the source writes them."""
    program_titles: dict[str, str] = Field(default_factory=dict)
    """An English title for each programme of `programs` the programme tables know, by its
    official value (`CYBER2`, `北朝鮮(協調；個人)`): never a guess, so some may have none."""
    reason: str | None = None
    """The source's reason or remark for the record (EU remark, UK statement of reasons, OFAC
    remarks, French MOTIFS), white space collapsed and cut at 4,000 characters."""
    reason_lang: str | None = None
    """The language `reason` is written in (BCP 47: en, fr...)."""
    assets: list[str] = Field(default_factory=list)
    """The asset codes this record gives the address."""
    listed_on: date | None = None
    """The official listing (designation, order or notice) date, as the authority gives it."""
    valid_until: date | None = None
    """The official end of the listing (an Israeli order's validity), when there is one."""
    status: Status
    """This record's status: active, delisted (the source withdrew it) or expired (past valid_until)."""
    first_seen: date
    """The day this feed first saw this record name the address (not an official date)."""
    delisted_on: date | None = None
    """The day the listing was withdrawn: the source's own date when it gives one, else the day this feed saw it go."""
    source_url: Annotated[str | None, AfterValidator(public_link)] = None
    """The official record's page: an http(s) URL or nothing (a store older than that check included)."""
    raw_address: str
    """The text the source published for this address, as read (pieces a line break cut, joined; its tag)."""
    issues: list[str] = Field(default_factory=list)
    """What reading this listing's raw text found (e.g. homoglyphs_replaced, truncated)."""
    events: list[ListingEvent] = Field(default_factory=list)
    """The listing's history, oldest first (`event_sort_key`): a relisting never erases the
    delisting before it."""


class FeedAddress(Published):
    """One address (or exchange account) with every listing that names it."""

    id: str
    """The address's stable id: <chain>:<canonical address> (tagged:<chain>:<address>:<tag>, account:<platform>:<number>)."""
    chain: Chain
    """The chain the authority listed it under (bitcoin, ethereum, tron, ...); unknown when no chain can be told."""
    address: str
    """The canonical form, the one matched on (EVM, bech32 and CashAddr in lower case)."""
    display: str
    """The form people expect to read (EIP-55 mixed case for EVM; an XRP tagged deposit as its X-address)."""
    kind: Kind
    """address, tagged_deposit (an exchange's shared address: only address + tag names the holder), exchange_account, or unknown."""
    platform: str | None = None
    """The exchange of an exchange account or tagged deposit, when the source names it."""
    tag: str | None = None
    """The destination tag or memo of a `tagged_deposit` (the address alone is an exchange's)."""
    validity: Validity
    """valid (checksum or strict form verified), unverifiable (no checksum to check), or invalid (kept as published, never fixed)."""
    issues: list[str]
    """What reading the address found: checksum_failed, truncated, homoglyphs_replaced, chain_assumed, prefix_added, ..."""
    assets: list[str]
    """Every asset or currency code the sources give the address (XBT, ETH, USDT, ...)."""
    status: Status
    """The address's status: active when any listing is in force, else expired, else delisted."""
    first_seen: date
    """The day this feed first saw the address (not an official date)."""
    listings: list[FeedListing]
    """Every source record naming the address, sorted by source and record."""
    caip2: str | None = None
    """The CAIP-2 id of the chain the address was listed under (e.g. `eip155:1`, `tron:0x2b6653dc`):
    None for an unknown chain or one with no registered id. Derived from chain and issues, so a
    release written before 1.2 reads with it filled in."""

    @model_validator(mode="after")
    def _derive_caip2(self) -> FeedAddress:
        if self.caip2 is None:
            self.caip2 = caip2(self.chain, self.issues)
        return self


class AddressesFile(Published):
    version: str
    """The release these addresses are from."""
    addresses: list[FeedAddress]
    """Every address ever listed (active, delisted and expired), sorted by id."""


class FieldChange(Published):
    id: str
    """The address's id."""
    fields: list[str]
    """The address's fields that differ (listings, validity, issues, ...)."""
    before: FeedAddress
    """The address as the previous release published it."""
    after: FeedAddress
    """The address as this release publishes it."""


class ValueChange(Published):
    before: Any = None
    """The value in the previous release (null: none)."""
    after: Any = None
    """The value in this release (null: none)."""


class ListingChange(Published):
    """What changed in one source's listing of one address: the change an analyst reads."""

    id: str
    """The address's id."""
    source: str
    """The list whose record changed."""
    source_record_id: str
    """That list's official record."""
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


class ChangesFile(Published):
    from_: str | None = Field(alias="from")
    """The release compared with (null for the first release)."""
    to: str
    """This release."""
    added: list[FeedAddress] = Field(default_factory=list)
    """Addresses active now and not before."""
    removed: list[FeedAddress] = Field(default_factory=list)
    """Addresses active before and not now (delisted or expired), as they stand now."""
    changed: list[FieldChange] = Field(default_factory=list)
    """The other addresses whose record differs."""
    listings: list[ListingChange] | None = None
    """Every listing that changed, whatever its address's change (since 1.4; None in an older
    release): a change belongs to the source whose listing changed."""

    model_config = ConfigDict(populate_by_name=True, use_attribute_docstrings=True)


class FileEntry(Published):
    sha256: str
    """The file's SHA-256, hex."""
    bytes: int
    """The file's size in bytes."""
    rows: int
    """Its records, as its writer counted them (CSV rows without the header, lines of a list)."""


class SourceCounts(Published):
    """One source's part of a release: its active addresses and the changes that touch it."""

    active: int
    """Active addresses this source names."""
    added: int
    """Listings of this source added in the release."""
    removed: int
    """Listings of this source removed."""
    changed: int
    """Listings of this source that say something else now."""


class IndexVersion(Published):
    id: str
    """The release id (UTC time, sortable: 20261124T160500Z)."""
    created_at: AwareDatetime
    """When it was published."""
    previous: str | None = None
    """The release before it (null for the first)."""
    addresses: int
    """Addresses in the release, whatever their status."""
    active: int
    """Active addresses."""
    added: int
    """Addresses added (newly active)."""
    removed: int
    """Addresses removed (no longer active)."""
    changed: int
    """Addresses whose record changed otherwise."""
    by_source: dict[str, SourceCounts] = Field(default_factory=dict)
    """Per source (since 1.2; empty for older releases): an address counts for every source that
    names it, so the sources' counts may add up to more than the release's."""
    active_by_chain: dict[str, int] = Field(default_factory=dict)
    """Active addresses per chain (since 1.2); exchange accounts under `account`."""


ARCHIVE_PATH = r"index/\d{4}\.json"
"""Where a yearly page of older releases lives: never a path outside the feed's `index/`."""


class IndexArchive(Published):
    """A yearly page of releases that left index.json's `versions` (since 1.6)."""

    year: int
    """The UTC year of its releases' ids."""
    path: Annotated[str, Field(pattern=f"^{ARCHIVE_PATH}$")]
    """The page, relative to the feed root: `index/<year>.json`."""
    releases: int
    """How many releases it lists."""
    first: str
    """Its oldest release."""
    last: str
    """Its newest release."""
    sha256: str
    """The page's sha256: a reader checks it before trusting the page."""


class IndexPage(Published):
    """`index/<year>.json`: the releases of one year that left index.json, oldest first."""

    year: int
    """The UTC year of its releases' ids."""
    versions: list[IndexVersion]
    """The releases, oldest first, as index.json listed them."""
    schema_version: str = SCHEMA_VERSION
    """The schema version of the page."""


class IndexHead(Published):
    """What a reader of releases needs of index.json (`check`): the latest release and the list.
    `IndexFile` is the whole document (with the sources' runs, read with the store's model)."""

    latest: str | None
    versions: list[IndexVersion]
    archives: list[IndexArchive] = Field(default_factory=list)


class WebhookCounts(Published):
    addresses: int
    """Addresses in the release."""
    active: int
    """Active addresses."""
    added: int
    """Addresses added."""
    removed: int
    """Addresses removed."""
    changed: int
    """Addresses changed."""


class WebhookPayload(Published):
    """The body POSTed to each webhook after a release with changes."""

    event: Literal["release"] = "release"
    """Always `release`."""
    version: str
    """The new release."""
    previous: str | None
    """The release before it."""
    created_at: AwareDatetime
    """When it was published."""
    counts: WebhookCounts
    """Its address counts."""
    sources: list[str]
    """The sources whose new data this release publishes."""
    links: dict[str, str]
    """changes.json, changes.csv, changes.html, manifest.json, addresses.json of the release:
    absolute when the feed's public URL is configured, else relative to the feed root."""
    schema_version: str = SCHEMA_VERSION
    """The feed's schema version."""

