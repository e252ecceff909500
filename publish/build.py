"""The address records of a release, built from the store as of one day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from sqlmodel import Session, select

from sanctions_feed.schemas.address import caip2
from sanctions_feed.schemas.authorities import AUTHORITIES, authority_name, program_title
from sanctions_feed.schemas.feed import FeedAddress, FeedListing, ListingEvent, effective_date, event_sort_key
from sanctions_feed.schemas.links import public_link
from sanctions_feed.schemas.tables import AddressRow, ListingEventRow, ListingRow, RejectedRow, SourceRow, SourceStatus

from .release import release_day


def listing_status(row: ListingRow, today: date) -> str:
    if row.status == "active" and row.valid_until is not None and row.valid_until < today:
        return "expired"
    return row.status


def address_status(listings: list[FeedListing]) -> str:
    statuses = {listing.status for listing in listings}
    return "active" if "active" in statuses else "expired" if "expired" in statuses else "delisted"


def build_addresses(session: Session, today: date) -> list[FeedAddress]:
    """Every address with its listings, sorted by id; the address's verdict (validity, issues) is
    the one the verdict step derived from its listings. Built with `model_construct`: the store
    only ever holds values that were validated on the way in (tests validate the output)."""
    # Plain rows: ORM objects cost more than they serve here. The session's own transaction: the
    # release shows what this update stored, before it is committed.
    rows = defaultdict(list)
    for listing in session.execute(ListingRow.__table__.select()):  # type: ignore[attr-defined]
        rows[listing.address_id].append(listing)
    addresses = {a.id: a for a in session.execute(AddressRow.__table__.select())}  # type: ignore[attr-defined]
    events = defaultdict(list)
    for event in session.execute(ListingEventRow.__table__.select()):  # type: ignore[attr-defined]
        events[event.listing_id].append(event)
    out = []
    for address_id in sorted(rows):
        address = addresses[address_id]
        listings = sorted((_listing(row, today, events.get(row.id, [])) for row in rows[address_id]),
                          key=lambda item: (item.source, item.source_record_id, item.raw_address))
        # Text the source cut off is never published as valid, unless a complete record names it too.
        cut_only = all("truncated" in listing.issues for listing in listings)
        issues = sorted(set(address.issues) | ({"truncated"} if cut_only else set()))
        out.append(FeedAddress.model_construct(
            id=address.id, chain=address.chain, address=address.address, display=address.display,
            kind=address.kind, platform=address.platform, tag=address.tag,
            validity="invalid" if cut_only else address.validity, issues=issues,
            assets=sorted({asset for item in listings for asset in item.assets}),
            status=address_status(listings), first_seen=address.first_seen, listings=listings,
            caip2=caip2(address.chain, issues),
        ))
    return out


def _listing(row, today: date, events: list) -> FeedListing:
    """A listing as published, from a plain row of the listings table."""
    holder = row.holder
    return FeedListing.model_construct(
        source=row.source, source_record_id=row.source_record_id, holder=holder.get("name"),
        holder_type=holder.get("type"), holder_status=holder.get("status"), holder_issues=holder.get("issues") or [],
        other_holders=[h["name"] for h in row.other_holders if h.get("name")],
        authority=authority_name(row.source), programs=row.programs,
        program_titles={p: title for p in row.programs if (title := program_title(row.source, p))},
        reason=row.reason, reason_lang=AUTHORITIES[row.source].language if row.reason and row.source in AUTHORITIES
        else None, assets=row.assets, listed_on=row.listed_on,
        valid_until=row.valid_until, status=listing_status(row, today), first_seen=row.first_seen,
        delisted_on=row.delisted_on, source_url=public_link(row.source_url), raw_address=row.raw_address,
        issues=row.issues, events=published_events(events, row.listed_on, today),
    )


def published_events(rows, listed_on: date | None, today: date) -> list[ListingEvent]:
    """A listing's stored events as published, oldest first: each with the day this feed recorded
    it (its release's day; today for this run's), a `listed` event dated by the official listing
    date when the source gave one before the day we saw it."""
    out = []
    for row in rows:
        recorded = release_day(row.version) if row.version else today
        out.append(ListingEvent.model_construct(event=row.event, date=effective_date(row.event, row.on, listed_on),
                                                recorded_on=recorded, release=row.version))
    return sorted(out, key=event_sort_key)


def load_rejected(session: Session) -> list[RejectedRow]:
    return sorted(session.exec(select(RejectedRow)), key=lambda r: (r.source, r.source_record_id or "", r.id))


def load_sources(session: Session) -> list[SourceStatus]:
    """Every source's last run, as manifests and index.json publish it, sorted by name: with no
    local path of the operator's (see `published_source`)."""
    rows = sorted(session.exec(select(SourceRow)), key=lambda r: r.name)
    return [published_source(SourceStatus.model_validate(row, from_attributes=True)) for row in rows]


def published_source(status: SourceStatus) -> SourceStatus:
    """A source's run as the public may read it: an input fetched over http(s) by its URL; a
    replayed, sample or bundled file by its file name and sha256 only (`file`), never by the
    operator's path; the change check's own record of such a path left out."""
    parts = [part if public_link(part.get("url")) or "url" not in part else
             {"file": PurePosixPath(urlsplit(part["url"]).path).name, "sha256": part["sha256"], "bytes": part["bytes"]}
             for part in status.raw_parts]
    signals = {k: v for k, v in status.signals.items() if k != "url" or public_link(v)}
    return status.model_copy(update={"url": public_link(status.url), "raw_parts": parts, "signals": signals})
