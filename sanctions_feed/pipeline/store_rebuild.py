"""Rebuild a lost store from the feed: the published release is the reference. Every address,
listing, event, source and rejected record of a release goes back into an empty store, which is
then checked to build that very release again."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlmodel import Session, select

from sanctions_feed.errors import StoreError
from sanctions_feed.pipeline.store import rejected_id, set_published
from sanctions_feed.publish.at_rest import release_bytes, release_has
from sanctions_feed.publish.build import build_addresses
from sanctions_feed.publish.release import read_addresses, read_index
from sanctions_feed.publish.writers import csv_value
from sanctions_feed.schemas.tables import AddressRow, ListingEventRow, ListingRow, RejectedRow, SourceRow


def rebuild_store(engine, feeds: Path, version: str | None = None) -> dict[str, int]:
    """Fill an empty store from release `version` (default: the latest); returns counts."""
    from sanctions_feed.publish.errors import FeedError

    index = read_index(feeds, whole=True)
    if index is None or index.latest is None:
        raise FeedError(f"{feeds}: no releases to rebuild a store from")
    version = version or index.latest
    release = next((v for v in index.versions if v.id == version), None)
    if release is None:
        raise FeedError(f"release {version!r} not found in {feeds}")
    addresses = read_addresses(feeds, version)
    today = release.created_at.date()
    with Session(engine) as session:
        if session.exec(select(SourceRow)).first() or session.exec(select(AddressRow)).first():
            raise StoreError("the store already holds data: rebuild into an empty store (a new --db)")
        listings = events = 0
        for address in addresses:
            session.add(AddressRow(id=address.id, kind=address.kind, chain=address.chain, address=address.address,
                                   display=address.display, platform=address.platform, tag=address.tag,
                                   validity=address.validity, issues=list(address.issues),
                                   first_seen=address.first_seen))
            for listing in address.listings:
                listing_id = f"{listing.source}|{listing.source_record_id}|{address.id}"
                holder = {"name": listing.holder, "type": listing.holder_type, "status": listing.holder_status,
                          "issues": listing.holder_issues}
                session.add(ListingRow(
                    id=listing_id, source=listing.source, source_record_id=listing.source_record_id,
                    address_id=address.id, raw_address=listing.raw_address, assets=list(listing.assets), holder=holder,
                    other_holders=[{"issues": [], "name": n, "status": None, "type": None} for n in listing.other_holders],
                    programs=list(listing.programs), listed_on=listing.listed_on,
                    valid_until=listing.valid_until, source_url=listing.source_url, reason=listing.reason,
                    issues=list(listing.issues),
                    status="delisted" if listing.status == "delisted" else "active", first_seen=listing.first_seen,
                    last_seen=today, delisted_on=listing.delisted_on))
                listings += 1
                for event in listing.events:
                    # The store keeps a `listed` event on the day it was seen (the release's day);
                    # the official listing date is the listing's own.
                    on = event.recorded_on if event.event == "listed" and event.recorded_on else event.date
                    session.add(ListingEventRow(id=f"{listing_id}|{event.event}|{on.isoformat()}", listing_id=listing_id,
                                                event=event.event, on=on, version=event.release))
                    events += 1
        for status in index.sources:
            session.add(SourceRow.model_validate(status.model_dump()))
        rejected = _read_rejected(feeds / "v" / version / "rejected.csv")
        for record in rejected:
            session.add(RejectedRow(id=rejected_id(record), **record.model_dump()))
        set_published(session, version)
        session.flush()
        rebuilt = build_addresses(session, today)
        if [a.model_dump() for a in rebuilt] != [a.model_dump() for a in addresses]:
            raise StoreError(f"the store rebuilt from {version} does not build that release again: not saved")
        session.commit()
    return {"addresses": len(addresses), "listings": listings, "events": events, "rejected": len(rejected),
            "sources": len(index.sources)}


def _read_rejected(path: Path):
    from sanctions_feed.schemas.source import Rejected

    if not release_has(path):
        return []
    rows = list(csv.DictReader(io.StringIO(release_bytes(path).decode("utf-8"), newline="")))
    return [Rejected(source=csv_value(r["source"]), source_record_id=csv_value(r["source_record_id"]) or None,
                     reason=csv_value(r["reason"]), raw=csv_value(r["raw"])) for r in rows]
