"""An address's story from the store: every listing event with its source record and the release
that first showed it (`history`)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from sanctions_feed.errors import StoreError
from sanctions_feed.normalize.keys import screen_readings
from sanctions_feed.publish.release import release_day
from sanctions_feed.schemas.feed import EVENT_ORDER, effective_date
from sanctions_feed.schemas.tables import AddressRow, ListingEventRow, ListingRow

from .screen import KeyIndex, reading_of


def address_history(db_url: str, text: str) -> list[dict]:
    """The events of every stored address the text names (any written form, any EVM chain; a
    tagged deposit address alone names its tagged entries), in the order they happened: by
    effective date, then by the release that recorded them. `date` is when an event took effect
    (official where the source says); `recorded_on` when this feed recorded it."""
    from sanctions_feed.pipeline.store import masked_url, open_store

    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        raise StoreError(f"--db {masked_url(db_url)}: no store there (run `sanctions-feed update` first)")
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            rows = list(session.exec(select(AddressRow)))
            index = KeyIndex((reading_of(row), row.id) for row in rows if row.kind != "unknown")
            ids: set[str] = set()
            for reading in screen_readings(text):
                found, deposits = index.lookup(reading)
                ids.update(found or deposits)
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
    return sorted(out, key=lambda e: (e["date"], e["release"] or "~", EVENT_ORDER.get(e["event"], 9), e["address_id"],
                                      e["source"], e["source_record_id"]))

