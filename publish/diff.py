"""Changes between two releases, by stable address id and content."""

from __future__ import annotations

from sanctions_feed.schemas.feed import (
    ChangesFile,
    FeedAddress,
    FieldChange,
    ListingEvent,
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
    return changes


def _comparable(address: FeedAddress) -> FeedAddress:
    """An address as the sources said it: its events by effective date, without when this feed
    recorded them (which a release written before schema 1.3 did not say), so a new schema is
    no change of the lists."""
    return address.model_copy(update={"listings": [listing.model_copy(update={"events": sorted(
        (ListingEvent(event=e.event, date=effective_date(e.event, e.date, listing.listed_on)) for e in listing.events),
        key=event_sort_key)}) for listing in address.listings]})


def is_empty(changes: ChangesFile) -> bool:
    return not (changes.added or changes.removed or changes.changed)
