"""The store: SQLModel tables (SQLite by default, PostgreSQL through the same code).

Lists and objects are JSON columns (`json` on PostgreSQL, text on SQLite): the code reads and
writes Python lists and dicts, the driver does the encoding.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelMetaclass

from .status import MAX_WARNINGS as MAX_WARNINGS  # re-exported: the store caps what it keeps
from .status import SourceStatus as SourceStatus  # re-exported: the table's fields


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and read back aware (UTC), on every backend: SQLite keeps no
    zone, and what we publish (`...Z`) must not depend on the database or library versions."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive timestamp {value!r}: the store keeps aware UTC times only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _json_list() -> Column:
    return Column(JSON, nullable=False, server_default=text("'[]'"))


class AddressRow(SQLModel, table=True):
    __tablename__ = "addresses"

    id: str = Field(primary_key=True)
    kind: str
    chain: str = Field(index=True)
    address: str = Field(index=True)
    display: str
    platform: str | None = None
    tag: str | None = None
    validity: str
    issues: list[str] = Field(default_factory=list, sa_column=_json_list())
    first_seen: date


class ListingRow(SQLModel, table=True):
    __tablename__ = "listings"

    id: str = Field(primary_key=True)
    """source | source record id | address id: stable across runs."""
    source: str = Field(index=True)
    source_record_id: str
    address_id: str = Field(index=True, foreign_key="addresses.id")
    raw_address: str
    raw_label: str | None = None
    """The source's currency/asset label as given: with raw_address, what the verdict is re-read from."""
    assets: list[str] = Field(default_factory=list, sa_column=_json_list())
    """Asset codes the source gave for this address in this record."""
    holder: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default=text("'{}'")))
    """The holder as the source names it (name, type, status, issues)."""
    other_holders: list[dict] = Field(default_factory=list, sa_column=_json_list())
    programs: list[str] = Field(default_factory=list, sa_column=_json_list())
    listed_on: date | None = None
    valid_until: date | None = None
    source_url: str | None = None
    reason: str | None = None
    """The source's reason or remark for the record, as `RawListing.reason`."""
    issues: list[str] = Field(default_factory=list, sa_column=_json_list())
    """Issues found for this listing's raw text (the address row keeps the verdict of all its listings)."""
    status: str = "active"
    """active or delisted; `expired` is derived from valid_until at publish time."""
    first_seen: date
    last_seen: date
    delisted_on: date | None = None


class StoreStateRow(SQLModel, table=True):
    """Facts about the store itself, e.g. `published`: the feed release it last published, which
    ties the store to its feed (a lost, emptied or mistyped store is then refused, not trusted)."""

    __tablename__ = "store_state"

    key: str = Field(primary_key=True)
    value: str


class ListingEventRow(SQLModel, table=True):
    """What happened to a listing, and when: history answers "was it listed on date D?"."""

    __tablename__ = "listing_events"

    id: str = Field(primary_key=True)
    """listing id | event | date: the same event on the same day is recorded once."""
    listing_id: str = Field(index=True)
    event: str
    """listed, delisted, relisted, expired, corrected"""
    on: date
    version: str | None = None
    """The release that first showed it (set when that release is published)."""


class RejectedRow(SQLModel, table=True):
    __tablename__ = "rejected"

    id: str = Field(primary_key=True)
    source: str = Field(index=True)
    source_record_id: str | None = None
    reason: str
    raw: str


def _table_of(model, name: str, table: str, columns: dict):
    """A SQLModel table with a pydantic model's fields (declared once, there): each field as the
    model declares it, but for the column types `columns` gives."""
    annotations: dict = {}
    namespace: dict = {"__tablename__": table, "__module__": __name__, "__doc__": model.__doc__}
    for field_name, info in model.model_fields.items():
        annotations[field_name] = info.annotation
        if field_name in columns:
            namespace[field_name] = columns[field_name]
        elif info.default_factory is not None:
            namespace[field_name] = Field(default_factory=info.default_factory)
        else:
            namespace[field_name] = Field(default=info.default)
    namespace["__annotations__"] = annotations
    return SQLModelMetaclass(name, (SQLModel,), namespace, table=True)


def _json_column(empty: str):
    return Field(default_factory=list if empty == "[]" else dict,
                 sa_column=Column(JSON, nullable=False, server_default=text(f"'{empty}'")))


SourceRow: Any = _table_of(SourceStatus, "SourceRow", "sources", {
    "name": Field(primary_key=True),
    **{name: Field(default=None, sa_type=UTCDateTime)
       for name in ("fetched_at", "last_checked", "last_success", "last_changed", "last_published")},
    "raw_parts": _json_column("[]"), "signals": _json_column("{}"), "warnings": _json_column("[]"),
})
"""The store's `sources` table: one row per source, the fields of `SourceStatus`."""


class ReleaseRow(SQLModel, table=True):
    """Each published release's manifest, as published: with the archived raw inputs it names,
    what `rebuild` needs to write the release again, byte for byte."""

    __tablename__ = "releases"

    version: str = Field(primary_key=True)
    previous: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    manifest: str
    """manifest.json's text."""
    signature: str | None = None
    """manifest.json.minisig's text (Ed25519 is deterministic: re-signing gives the same)."""


class WebhookDeliveryRow(SQLModel, table=True):
    """One webhook's delivery of one release: what the subscriber was told, and whether it heard."""

    __tablename__ = "webhook_deliveries"

    id: str = Field(primary_key=True)
    """release | url"""
    version: str = Field(index=True)
    url: str
    status: str
    """delivered or failed"""
    attempts: int
    http_status: int | None = None
    error: str | None = None
    at: datetime = Field(sa_type=UTCDateTime)
