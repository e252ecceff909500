"""Changes between two releases, by stable address id and content."""

from __future__ import annotations

from sanctions_feed.schemas.feed import (
    ChangesFile,
    FeedAddress,
    FieldChange,
    ListingChange,
    ListingEvent,
    ValueChange,
    effective_date,
    event_sort_key,
)


def diff(old_version: str | None, old: list[FeedAddress], new_version: str,
         new: list[FeedAddress]) -> ChangesFile:
    """added: newly active; removed: no longer active (with the new status); changed: the rest
    whose record differs."""
    before = {a.id: a for a in old}
    after = {a.id: a for a in new}
    changes = ChangesFile.model_validate({"from": old_version, "to": new_version})
    listings: list[ListingChange] = []
    for address_id in sorted(set(before) | set(after)):
        was, now = before.get(address_id), after.get(address_id)
        was_active = was is not None and was.status == "active"
        if now is not None and now.status == "active" and not was_active:
            changes.added.append(now)
        elif was is not None and was_active and (now is None or now.status != "active"):
            changes.removed.append(now if now is not None else was.model_copy(update={"status": "delisted"}))
        elif was is not None and now is not None and was != now and _comparable(was) != _comparable(now):
            fields = [name for name in FeedAddress.model_fields if getattr(was, name) != getattr(now, name)]
            changes.changed.append(FieldChange(id=address_id, fields=fields, before=was, after=now))
        else:
            continue
        listings += listing_changes(address_id, was, now, new_version)
    changes.listings = listings
    return changes


LISTING_FIELDS = ("status", "listed_on", "valid_until", "delisted_on", "holder", "holder_type", "holder_status",
                  "other_holders", "programs", "assets", "source_url", "raw_address", "reason")
"""What a source says of a listing (and its status): the fields a listing change names."""


def listing_changes(address_id: str, was: FeedAddress | None, now: FeedAddress | None,
                    version: str) -> list[ListingChange]:
    """Each listing of an address that appeared, went, or says something else now."""
    before = {(x.source, x.source_record_id): x for x in (was.listings if was else [])}
    after = {(x.source, x.source_record_id): x for x in (now.listings if now else [])}
    out = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        event = next((e.event for e in reversed(new.events) if e.release == version), None) if new else None
        if old is None:
            out.append(ListingChange(id=address_id, source=key[0], source_record_id=key[1], change="added",
                                     status=new.status if new else None, event=event))
        elif new is None:
            out.append(ListingChange(id=address_id, source=key[0], source_record_id=key[1], change="removed",
                                     status=old.status))
        else:
            fields = {name: ValueChange(before=getattr(old, name), after=getattr(new, name))
                      for name in LISTING_FIELDS if getattr(old, name) != getattr(new, name)}
            if fields or event is not None:
                out.append(ListingChange(id=address_id, source=key[0], source_record_id=key[1], change="changed",
                                         status=new.status, fields=fields, event=event))
    return out


def shown_value(value) -> str:
    """A changed field's value as text for people (changes.csv, the site): lists joined, nothing
    as `(none)`."""
    if value is None or value == [] or value == "":
        return "(none)"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _comparable(address: FeedAddress) -> FeedAddress:
    """An address as the sources said it: its events by effective date, without when this feed
    recorded them (which a release written before schema 1.3 did not say), nor what our own
    tables add, so a new schema is no change of the lists."""
    return address.model_copy(update={"listings": [listing.model_copy(update={"events": sorted(
        (ListingEvent(event=e.event, date=effective_date(e.event, e.date, listing.listed_on)) for e in listing.events),
        key=event_sort_key), **DERIVED}) for listing in address.listings]})


DERIVED: dict[str, object] = {"authority": None, "program_titles": {}}
"""What this feed's own tables add to a listing: a new table (or a new schema that adds them)
is no change of the lists."""


def is_empty(changes: ChangesFile) -> bool:
    return not (changes.added or changes.removed or changes.changed)
