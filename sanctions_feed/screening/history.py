"""An address's story: every listing event with its source record and the release that first
showed it (`history`), from the store, or from a published feed alone (a puller's copy, read
without the ORM)."""

from __future__ import annotations

from pathlib import Path

from sanctions_feed.errors import StoreError
from sanctions_feed.normalize.keys import screen_readings
from sanctions_feed.publish.release import release_day
from sanctions_feed.schemas.feed import EVENT_ORDER, effective_date

from .screen import KeyIndex, reading_of


def _named_ids(index: KeyIndex, text: str) -> set:
    ids: set = set()
    for reading in screen_readings(text):
        found, deposits = index.lookup(reading)
        ids.update(found or deposits)
    return ids


def _in_order(events: list[dict]) -> list[dict]:
    return sorted(events, key=lambda e: (e["date"], e["release"] or "~", EVENT_ORDER.get(e["event"], 9),
                                         e["address_id"], e["source"], e["source_record_id"]))


def feed_history(feeds: Path, text: str) -> list[dict]:
    """The same events as `address_history`, read from the latest published release: a feed keeps
    every address it ever listed (delisted ones with their events), so a copy of the feed alone
    tells the whole published story. Events recorded but not yet published are the store's."""
    from sanctions_feed.publish.errors import FeedError
    from sanctions_feed.publish.reading import read_addresses, read_index_head

    head = read_index_head(feeds)
    if head is None or not head.versions:
        raise FeedError(f"{feeds}: no store here and no published release to read the history from "
                        "(run `sanctions-feed update` first, or give --db)")
    addresses = read_addresses(feeds, head.latest or head.versions[-1].id)
    by_id = {a.id: a for a in addresses}
    index = KeyIndex((reading_of(a), a.id) for a in addresses if a.kind != "unknown")
    out = []
    for address in (by_id[i] for i in _named_ids(index, text)):
        for listing in address.listings:
            for event in listing.events:
                out.append({"date": event.date, "event": event.event,
                            "recorded_on": event.recorded_on or (release_day(event.release) if event.release else event.date),
                            "address_id": address.id,
                            "source": listing.source, "source_record_id": listing.source_record_id,
                            "holder": listing.holder, "listed_on": listing.listed_on,
                            "source_url": listing.source_url, "release": event.release})
    return _in_order(out)


def address_history(db_url: str, text: str) -> list[dict]:
    """The events of every stored address the text names (any written form, any EVM chain; a
    tagged deposit address alone names its tagged entries), in the order they happened: by
    effective date, then by the release that recorded them. `date` is when an event took effect
    (official where the source says); `recorded_on` when this feed recorded it."""
    from sqlmodel import Session, col, select

    from sanctions_feed.pipeline.store import masked_url, open_store
    from sanctions_feed.schemas.tables import AddressRow, ListingEventRow, ListingRow

    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        raise StoreError(f"--db {masked_url(db_url)}: no store there (run `sanctions-feed update` first)")
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            rows = list(session.exec(select(AddressRow)))
            index = KeyIndex((reading_of(row), row.id) for row in rows if row.kind != "unknown")
            ids = _named_ids(index, text)
            if not ids:
                return []
            listings = {row.id: row for row in session.exec(select(ListingRow).where(col(ListingRow.address_id).in_(ids)))}
            events = session.exec(select(ListingEventRow).where(col(ListingEventRow.listing_id).in_(list(listings))))
            out = []
            for event in events:
                listing = listings[event.listing_id]
                out.append({"date": effective_date(event.event, event.on, listing.listed_on), "event": event.event,
                            "recorded_on": release_day(event.version) if event.version else event.on,
                            "address_id": listing.address_id,
                            "source": listing.source, "source_record_id": listing.source_record_id,
                            "holder": (listing.holder or {}).get("name"), "listed_on": listing.listed_on,
                            "source_url": listing.source_url,
                            "release": event.version})
    finally:
        engine.dispose()
    return _in_order(out)

