"""The verdict step: every address's kind, chain, display, validity and issues are derived from its
current listings by the current code, on every run (a fix to normalize/ reaches every stored
address; a source that now writes an address correctly makes it valid)."""

from __future__ import annotations

from sanctions_feed.normalize import normalize
from sanctions_feed.schemas.address import NormalizedAddress

_RANK = {"valid": 0, "unverifiable": 1, "invalid": 2}


def best_reading(readings: list[NormalizedAddress]) -> NormalizedAddress:
    """The verdict an address gets from the readings of its listings: the best validity, then the
    fewest issues; ties broken by content, so the choice never depends on row order."""
    return min(readings, key=lambda r: (_RANK[r.validity], len(r.issues), r.issues, r.display))


def verdicts(listings, known: dict[str, NormalizedAddress] | None = None
             ) -> tuple[dict[str, NormalizedAddress], dict[str, NormalizedAddress]]:
    """(address id -> its verdict, listing id -> its own reading), from stored listing rows (raw
    text, label, status). Active listings decide; an address no longer listed anywhere keeps the
    verdict of all its listings. `known`: readings this run already made, by listing id."""
    known = known or {}
    readings: dict[str, list[NormalizedAddress]] = {}
    active: dict[str, list[NormalizedAddress]] = {}
    by_listing: dict[str, NormalizedAddress] = {}
    for row in listings:
        reading = known.get(row.id)
        if reading is None:
            label = row.raw_label if row.raw_label is not None else next(iter(row.assets or []), None)
            reading = next((r for r in normalize(row.raw_address, label) if r.id == row.address_id), None)
        if reading is None:  # this text no longer reads as this address: its source's next run re-keys it
            continue
        by_listing[row.id] = reading
        readings.setdefault(row.address_id, []).append(reading)
        if row.status == "active":
            active.setdefault(row.address_id, []).append(reading)
    chosen = {address_id: best_reading(active.get(address_id) or found) for address_id, found in readings.items()}
    return chosen, by_listing
