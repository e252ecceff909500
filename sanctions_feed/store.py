"""Apply one source run to the store: guards first, then one transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import event, update
from sqlmodel import Session, SQLModel, create_engine, select

from normalize import normalize
from schemas.address import NormalizedAddress
from schemas.source import RawListing, Rejected, SourceMeta, SourceSnapshot
from schemas.tables import AddressRow, ListingRow, RejectedRow, SourceRow

# A run that would delist more than this share of a source's active listings is refused.
MAX_REMOVED_SHARE = 0.30
MIN_REMOVED_TO_GUARD = 3


class GuardError(Exception):
    """A source run looks broken (too few records, or too many removals): nothing changes."""


@dataclass(frozen=True)
class Normalized:
    listing: RawListing
    address: NormalizedAddress

    @property
    def listing_id(self) -> str:
        return f"{self.listing.source}|{self.listing.source_record_id}|{self.address.id}"


def open_store(url: str):
    engine = create_engine(url)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            connection.execute("PRAGMA foreign_keys=ON")
    SQLModel.metadata.create_all(engine)
    return engine


def normalize_listings(listings: list[RawListing]) -> list[Normalized]:
    return [Normalized(listing, result) for listing in listings
            for result in normalize(listing.raw_address, listing.raw_label)]


def apply_run(engine, meta: SourceMeta, name: str, snapshot: SourceSnapshot,
              listings: list[RawListing], rejected: list[Rejected], today: date, now: datetime,
              force: bool = False) -> dict:
    """Replace the source's current listings with this run's, after the guards pass."""
    found = normalize_listings(listings)
    by_id: dict[str, Normalized] = {}
    assets: dict[str, set[str]] = {}
    for item in found:  # one record may name an address under several codes (ETH and USDT)
        by_id.setdefault(item.listing_id, item)
        assets.setdefault(item.listing_id, set()).update([item.address.asset] if item.address.asset else [])
    with Session(engine) as session:
        current = {row.id: row for row in session.exec(
            select(ListingRow).where(ListingRow.source == name))}
        active = {lid for lid, row in current.items() if row.status == "active"}
        removed = active - set(by_id)
        _guard(meta, name, len(by_id), len(active), len(removed), force)
        known = set(session.exec(select(AddressRow.id)))
        new_addresses = {}
        for item in found:
            if item.address.id not in known and item.address.id not in new_addresses:
                new_addresses[item.address.id] = _address_values(item.address, today)
        inserts, updates = [], []
        for listing_id, item in by_id.items():
            values = _listing_values(current.get(listing_id), listing_id, item, sorted(assets[listing_id]), today)
            (updates if listing_id in current else inserts).append(values)
        updates += [{"id": lid, "status": "delisted", "delisted_on": today} for lid in removed]
        # Bulk statements: one source run can carry tens of thousands of rows.
        if new_addresses:  # Core executemany: the ORM's bulk path costs several times more
            session.execute(AddressRow.__table__.insert(), list(new_addresses.values()))
        if inserts:
            session.execute(ListingRow.__table__.insert(), inserts)
        if updates:
            session.execute(update(ListingRow), updates)
        for old in session.exec(select(RejectedRow).where(RejectedRow.source == name)):
            session.delete(old)
        for item in {_rejected_id(r): r for r in rejected}.items():
            session.add(RejectedRow(id=item[0], **item[1].model_dump()))
        source = session.get(SourceRow, name) or SourceRow(name=name)
        source.sqlmodel_update({
            "url": snapshot.url, "fetched_at": snapshot.fetched_at, "as_of": snapshot.as_of,
            "sha256": snapshot.sha256, "records": snapshot.records, "status": "ok",
            "raw_parts": [part.model_dump() for part in snapshot.parts],
            "last_checked": now, "last_success": now, "error": None,
        })
        session.add(source)
        session.commit()
    return {"listings": len(by_id), "removed": len(removed), "rejected": len(rejected)}


def record_failure(engine, name: str, status: str, error: str, now: datetime) -> None:
    """A failed or refused run changes no listing; the source row says what happened."""
    with Session(engine) as session:
        source = session.get(SourceRow, name) or SourceRow(name=name)
        source.status, source.error, source.last_checked = status, error, now
        session.add(source)
        session.commit()


def _guard(meta: SourceMeta, name: str, count: int, active: int, removed: int, force: bool):
    if count < meta.expected_min:
        raise GuardError(f"{name}: {count} listings, fewer than the {meta.expected_min} expected: refused")
    if count > meta.expected_max:
        raise GuardError(f"{name}: {count} listings, more than the {meta.expected_max} expected: refused")
    if not force and removed >= MIN_REMOVED_TO_GUARD and removed > MAX_REMOVED_SHARE * active:
        raise GuardError(f"{name}: would remove {removed} of {active} active listings "
                         f"({removed / active:.0%}): refused (use --force if the source really changed)")


def _address_values(result: NormalizedAddress, today: date) -> dict:
    return {"id": result.id, "kind": result.kind, "chain": result.chain, "address": result.address,
            "display": result.display, "platform": result.platform, "validity": result.validity,
            "issues": json.dumps(list(result.issues)), "first_seen": today}


def _listing_values(row: ListingRow | None, listing_id: str, item: Normalized, assets: list[str],
                    today: date) -> dict:
    listing = item.listing
    delisted_on = today if listing.cancelled else None
    if row is not None and row.status == "delisted" and listing.cancelled:
        delisted_on = row.delisted_on
    return {
        "id": listing_id, "source": listing.source, "source_record_id": listing.source_record_id,
        "address_id": item.address.id, "raw_address": listing.raw_address, "assets": json.dumps(assets),
        "holder": json.dumps(listing.holder.model_dump(), sort_keys=True, ensure_ascii=False),
        "other_holders": json.dumps([h.model_dump() for h in listing.holders], sort_keys=True, ensure_ascii=False),
        "programs": json.dumps(listing.programs, ensure_ascii=False),
        "listed_on": listing.listed_on, "valid_until": listing.valid_until,
        "source_url": listing.source_url,
        "issues": json.dumps(sorted(set(item.address.issues) | ({"truncated"} if listing.truncated else set()))),
        "status": "delisted" if listing.cancelled else "active", "last_seen": today,
        "delisted_on": delisted_on, "first_seen": row.first_seen if row is not None else today,
    }


def _rejected_id(rejected: Rejected) -> str:
    key = f"{rejected.source}|{rejected.source_record_id}|{rejected.reason}|{rejected.raw}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def load_run(out_dir: Path, name: str):
    """Read a spider's JSON-lines output: (snapshot or None, listings, rejected)."""
    path = out_dir / f"{name}.jsonl"
    snapshot, listings, rejected = None, [], []
    if not path.exists():
        return snapshot, listings, rejected
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if "listing" in item:
                listings.append(RawListing.model_validate(item["listing"]))
            elif "rejected" in item:
                rejected.append(Rejected.model_validate(item["rejected"]))
            elif "snapshot" in item:
                snapshot = SourceSnapshot.model_validate(item["snapshot"])
    return snapshot, listings, rejected
