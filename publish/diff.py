"""Changes between two releases, by stable address id and content."""

from __future__ import annotations

from sanctions_feed.schemas.feed import ChangesFile, FeedAddress, FieldChange


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
        elif was is not None and now is not None and was != now:
            fields = [name for name in FeedAddress.model_fields if getattr(was, name) != getattr(now, name)]
            changes.changed.append(FieldChange(id=address_id, fields=fields, before=was, after=now))
    return changes


def is_empty(changes: ChangesFile) -> bool:
    return not (changes.added or changes.removed or changes.changed)
