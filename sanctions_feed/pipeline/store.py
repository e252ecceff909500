"""The store step: keeps what the guards let through. It only stores; it decides nothing."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import event, update
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine, select

from sanctions_feed.errors import StoreError
from sanctions_feed.pipeline.lifecycle import expiry_day, kept_issues, run_events
from sanctions_feed.schemas.address import NormalizedAddress
from sanctions_feed.schemas.source import NormalizedListing, Rejected, SourceSnapshot
from sanctions_feed.schemas.tables import (
    MAX_WARNINGS,
    AddressRow,
    ListingEventRow,
    ListingRow,
    RejectedRow,
    ReleaseRow,
    SourceRow,
    StoreStateRow,
    WebhookDeliveryRow,
)


def open_store(url: str):
    """An engine on the store, its tables created; a clear error for a URL we cannot use."""
    try:
        engine = create_engine(_with_driver(url))
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(f"--db {masked_url(url)}: not a usable database URL ({exc})") from None
    except ImportError as exc:
        raise StoreError(f"--db {masked_url(url)}: the database driver is not installed ({exc})") from None
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            connection.execute("PRAGMA foreign_keys=ON")
    try:
        migrate(engine, masked_url(url))
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise StoreError(f"--db {masked_url(url)}: cannot open the store: {type(cause).__name__}: "
                         f"{(str(cause).splitlines() or [''])[0]}") from None
    return engine


def _with_driver(url: str) -> str:
    """`postgresql://` means psycopg 3 (the driver we install), not SQLAlchemy's psycopg2 default."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


MIGRATIONS = Path(__file__).parent.parent / "migrations"
HEAD_REVISION = "0005"
"""The newest migration's revision (a test holds it to the scripts): a store already there is
not handed to Alembic at all, which keeps every update from loading it."""


def migrate(engine, shown_url: str) -> None:
    """Bring the store's schema to this release's, with Alembic: a new store is created whole and
    stamped; a store made before migrations (release 0.1) goes through every migration (each
    takes the store as it finds it); any other is upgraded from its revision; one already at the
    head is left as it is, without loading Alembic."""
    from sqlalchemy import inspect, text

    with engine.begin() as connection:
        inspector = inspect(connection)
        current = (connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                   if inspector.has_table("alembic_version") else None)
        if current == HEAD_REVISION:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.util import CommandError

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        if current is None and not inspector.has_table(SourceRow.__tablename__):
            SQLModel.metadata.create_all(connection)
            command.stamp(config, "head")
            return
        try:
            command.upgrade(config, "head")
        except CommandError as exc:  # a revision this release does not know
            raise StoreError(f"--db {shown_url}: cannot migrate the store's schema ({exc}); "
                             "was it made by a newer release of sanctions-feed?") from None


def masked_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def current_listings(session: Session, source: str) -> dict[str, ListingRow]:
    """The source's listings as stored, by listing id."""
    return {row.id: row for row in session.exec(select(ListingRow).where(ListingRow.source == source))}


def save_run(session: Session, name: str, snapshot: SourceSnapshot, found: dict[str, NormalizedListing],
             delisted_on: dict[str, date], rejected: list[Rejected], current: dict[str, ListingRow],
             today: date, now: datetime, warnings: list[str] | None = None) -> None:
    """Replace the source's current listings with this run's (in the update's transaction).
    `delisted_on`: the listings this run delists, each with its date (today, or the source's own
    date for a record it withdrew: see `lifecycle.withdrawals`). The events are lifecycle's to decide."""
    known = set(session.exec(select(AddressRow.id)))
    new_addresses = {}
    for item in found.values():
        if item.address.id not in known and item.address.id not in new_addresses:
            new_addresses[item.address.id] = _address_values(item.address, today)
    inserts: list[dict] = []
    updates: list[dict] = []
    for listing_id, item in found.items():
        values = _listing_values(current.get(listing_id), listing_id, item, today)
        (updates if listing_id in current else inserts).append(values)
    for day, events in run_events(current, inserts, updates, delisted_on, today).items():
        add_events(session, events, day)
    updates += [{"id": lid, "status": "delisted", "delisted_on": on} for lid, on in delisted_on.items()]
    # Bulk statements: one source run can carry tens of thousands of rows.
    if new_addresses:  # Core executemany: the ORM's bulk path costs several times more
        session.execute(AddressRow.__table__.insert(), list(new_addresses.values()))  # type: ignore[attr-defined]
    if inserts:
        session.execute(ListingRow.__table__.insert(), inserts)  # type: ignore[attr-defined]
    if updates:
        session.execute(update(ListingRow), updates)
    for old in session.exec(select(RejectedRow).where(RejectedRow.source == name)):
        session.delete(old)
    for key, record in {rejected_id(r): r for r in rejected}.items():
        session.add(RejectedRow(id=key, **record.model_dump()))
    source = session.get(SourceRow, name) or SourceRow(name=name)
    source.sqlmodel_update({
        "url": snapshot.url, "fetched_at": snapshot.fetched_at, "as_of": snapshot.as_of,
        "sha256": snapshot.sha256, "records": snapshot.records, "status": "ok",
        "raw_parts": [part.model_dump() for part in snapshot.parts], "signals": snapshot.signals,
        "last_checked": now, "last_success": now, "last_changed": now, "error": None,
        "warnings": _capped(warnings or []),
    })
    session.add(source)


def record_unchanged(session: Session, name: str, signals: dict, now: datetime, warnings: list[str]) -> None:
    """The source is as its last good run stored it: only the check is recorded (its data, and
    the warnings about that data, stay)."""
    source = session.get(SourceRow, name) or SourceRow(name=name)
    source.sqlmodel_update({"status": "ok", "error": None, "last_checked": now, "last_success": now,
                            "signals": signals, "warnings": _capped(list(dict.fromkeys(source.warnings + warnings)))})
    session.add(source)


def add_events(session: Session, events: list[tuple[str, str]], on: date) -> None:
    """Record listing events (listing id, event) dated `on`; one a day of each kind per listing."""
    rows = {f"{lid}|{event}|{on.isoformat()}": {"listing_id": lid, "event": event, "on": on} for lid, event in events}
    if not rows:
        return
    table = ListingEventRow.__table__  # type: ignore[attr-defined]
    known = set()
    ids = list(rows)
    for start in range(0, len(ids), 500):  # bounded IN lists
        known |= set(session.execute(select(table.c.id).where(table.c.id.in_(ids[start:start + 500]))).scalars())
    new = [{"id": key, **value} for key, value in rows.items() if key not in known]
    if new:
        session.execute(table.insert(), new)


def record_expiries(session: Session, today: date) -> None:
    """An active listing past its valid_until has expired, on the day after that date."""
    table = ListingRow.__table__  # type: ignore[attr-defined]
    expired = session.execute(select(table.c.id, table.c.valid_until).where(
        table.c.status == "active", table.c.valid_until.is_not(None), table.c.valid_until < today))
    by_day: dict[date, list[tuple[str, str]]] = {}
    for listing_id, valid_until in expired:
        by_day.setdefault(expiry_day(valid_until), []).append((listing_id, "expired"))
    for day, events in by_day.items():
        add_events(session, events, day)


def published_release(session: Session) -> str | None:
    """The feed release this store last published (None: a new store, or one older than the marker)."""
    row = session.get(StoreStateRow, "published")
    return row.value if row is not None else None


def release_ids(session: Session) -> set[str]:
    """Every release this store committed: each was announced, or is about to be."""
    return set(session.exec(select(ReleaseRow.version)))


def record_release(session: Session, version: str, previous: str | None, created_at: datetime, manifest: str,
                   signature: str | None, stored: list[str]) -> None:
    """Everything the store keeps of a release, in the update's transaction: the release as
    published (its manifest and signature, which `rebuild` writes again), the marker of the
    feed's latest release, the release that first showed this run's events, and the sources
    whose new data it carries."""
    session.add(ReleaseRow(version=version, previous=previous, created_at=created_at, manifest=manifest,
                           signature=signature))
    set_published(session, version)
    stamp_events(session, version)
    for name in stored:
        source = session.get(SourceRow, name)
        if source is not None:
            source.last_published, source.last_release = created_at, version
            session.add(source)


def record_deliveries(engine, deliveries) -> None:
    """Each webhook delivery of a release (a later attempt at the same one replaces it)."""
    with Session(engine) as session:
        for delivery in deliveries:
            row_id = f"{delivery.version}|{delivery.url}"
            row = session.get(WebhookDeliveryRow, row_id) or WebhookDeliveryRow(
                id=row_id, version=delivery.version, url=delivery.url, status=delivery.status,
                attempts=delivery.attempts, at=delivery.at)
            row.status, row.attempts, row.at = delivery.status, delivery.attempts, delivery.at
            row.http_status, row.error = delivery.http_status, delivery.error
            session.add(row)
        session.commit()


def set_published(session: Session, version: str) -> None:
    row = session.get(StoreStateRow, "published") or StoreStateRow(key="published", value=version)
    row.value = version
    session.add(row)


def store_source_names(session: Session) -> set[str]:
    """The sources this store has ever stored a good run of."""
    return set(session.exec(select(SourceRow.name).where(SourceRow.last_success.is_not(None))))  # type: ignore[union-attr]


def stamp_events(session: Session, version: str) -> None:
    """The events this update recorded were first shown by this release."""
    table = ListingEventRow.__table__  # type: ignore[attr-defined]
    session.execute(table.update().where(table.c.version.is_(None)).values(version=version))


def refresh_verdicts(session: Session, today: date, known: dict[str, NormalizedAddress] | None = None,
                     touched: set[str] | None = None, code: str | None = None) -> int:
    """Re-derive the verdicts of the addresses whose listings changed (`touched`) from their
    current listings (the verdict step), or of every address when the code that reads addresses
    differs from the one that last did (`code`, kept in the store) or none is given; returns how
    many addresses changed. `known`: the readings of the listings this run normalized already."""
    from sanctions_feed.pipeline.verdicts import verdicts

    listing_table, address_table = ListingRow.__table__, AddressRow.__table__  # type: ignore[attr-defined]
    marker = session.get(StoreStateRow, "verdict_code")
    every = code is None or touched is None or marker is None or marker.value != code
    columns = (listing_table.c.id, listing_table.c.address_id, listing_table.c.raw_address, listing_table.c.raw_label,
               listing_table.c.assets, listing_table.c.status, listing_table.c.issues)
    # Plain rows, not ORM objects: with new code this reads every listing.
    listing_rows = listing_table.select().with_only_columns(*columns)
    listings = list(session.execute(listing_rows) if every
                    else _rows_where_in(session, listing_rows, listing_table.c.address_id, touched or set()))
    if code is not None:
        session.merge(StoreStateRow(key="verdict_code", value=code))
    found, readings = verdicts(listings, known)
    listing_updates = []
    for listing in listings:
        reading = readings.get(listing.id)
        if reading is None:
            continue
        issues = kept_issues(reading.issues, listing.issues or [])
        if issues != listing.issues:
            listing_updates.append({"id": listing.id, "issues": issues})
    if listing_updates:
        session.execute(update(ListingRow), listing_updates)
    updates = []
    addresses = (session.execute(address_table.select()) if every
                 else _rows_where_in(session, address_table.select(), address_table.c.id, set(found)))
    for row in addresses:
        verdict = found.get(row.id)
        if verdict is None:
            continue
        values = {key: value for key, value in _address_values(verdict, today).items()
                  if key not in ("id", "first_seen", "address")}
        if any(getattr(row, key) != value for key, value in values.items()):
            updates.append({"id": row.id, **values})
    if updates:
        session.execute(update(AddressRow), updates)
    return len(updates)


def _rows_where_in(session: Session, query, column, values: set[str], size: int = 500):
    """The query's rows whose `column` is one of `values`, asked in bounded IN lists."""
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield from session.execute(query.where(column.in_(ordered[start:start + size])))


def record_failure(session: Session, name: str, status: str, error: str, now: datetime,
                   warnings: list[str] | None = None) -> None:
    """A failed or refused run changes no listing; the source row says what happened."""
    source = session.get(SourceRow, name) or SourceRow(name=name)
    source.status, source.error, source.last_checked = status, error, now
    source.warnings = _capped(warnings or [])
    session.add(source)


def _capped(warnings: list[str]) -> list[str]:
    if len(warnings) <= MAX_WARNINGS:
        return list(warnings)
    return warnings[:MAX_WARNINGS - 1] + [f"... and {len(warnings) - MAX_WARNINGS + 1} more"]


def _address_values(result: NormalizedAddress, today: date) -> dict:
    return {"id": result.id, "kind": result.kind, "chain": result.chain, "address": result.address,
            "display": result.display, "platform": result.platform, "tag": result.tag, "validity": result.validity,
            "issues": list(result.issues), "first_seen": today}


def _listing_values(row: ListingRow | None, listing_id: str, item: NormalizedListing, today: date) -> dict:
    listing = item.listing
    delisted_on = today if listing.cancelled else None
    if row is not None and row.status == "delisted" and listing.cancelled:
        delisted_on = row.delisted_on
    return {
        "id": listing_id, "source": listing.source, "source_record_id": listing.source_record_id,
        "address_id": item.address.id, "raw_address": listing.raw_address, "raw_label": listing.raw_label,
        "assets": list(item.assets),
        "holder": listing.holder.model_dump(),
        "other_holders": [h.model_dump() for h in listing.holders],
        "programs": list(listing.programs),
        "listed_on": listing.listed_on, "valid_until": listing.valid_until,
        "source_url": listing.source_url, "reason": listing.reason,
        "issues": kept_issues(item.address.issues, [], listing.truncated),
        "status": "delisted" if listing.cancelled else "active", "last_seen": today,
        "delisted_on": delisted_on, "first_seen": row.first_seen if row is not None else today,
    }


def rejected_id(rejected: Rejected) -> str:
    key = f"{rejected.source}|{rejected.source_record_id}|{rejected.reason}|{rejected.raw}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]
