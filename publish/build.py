"""The address records of a release, built from the store as of one day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from sanctions_feed.schemas.address import caip2
from sanctions_feed.schemas.feed import FeedAddress, FeedListing, ListingEvent
from sanctions_feed.schemas.links import public_link
from sanctions_feed.schemas.tables import AddressRow, ListingEventRow, ListingRow, RejectedRow, SourceRow, SourceStatus


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
    for event in session.execute(ListingEventRow.__table__.select().order_by(  # type: ignore[attr-defined]
            ListingEventRow.on, ListingEventRow.id)):
        events[event.listing_id].append(ListingEvent.model_construct(event=event.event, date=event.on))
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
        programs=row.programs, assets=row.assets, listed_on=row.listed_on,
        valid_until=row.valid_until, status=listing_status(row, today), first_seen=row.first_seen,
        delisted_on=row.delisted_on, source_url=public_link(row.source_url), raw_address=row.raw_address,
        issues=row.issues, events=events,
    )


def load_rejected(session: Session) -> list[RejectedRow]:
    return sorted(session.exec(select(RejectedRow)), key=lambda r: (r.source, r.source_record_id or "", r.id))


def load_sources(session: Session) -> list[SourceStatus]:
    """Every source's last run, as manifests and index.json publish it, sorted by name."""
    rows = sorted(session.exec(select(SourceRow)), key=lambda r: r.name)
    return [SourceStatus.model_validate(row, from_attributes=True) for row in rows]
