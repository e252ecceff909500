"""A listing's lifecycle, decided here and applied by the store: which events a source run
causes (listed, delisted, relisted, corrected), on which day a withdrawn record is delisted, and
on which day a listing expires. Pure functions over a listing as stored and as this run says it."""

from __future__ import annotations

from datetime import date, timedelta

from sanctions_feed.normalize.names import clean_name

CONTENT = ("raw_address", "programs", "listed_on", "valid_until", "source_url", "assets")
"""What a source says of a listing: a change to any of these is a correction."""


def withdrawals(current: dict, removed: set[str], delistings: dict[str, date], today: date) -> dict[str, date]:
    """The removed listings whose record the source itself says it withdrew, with the date to
    delist them on: the source's date, never before we last saw them listed, never after today.
    `current`: the stored listings by id (each with source_record_id and last_seen)."""
    return {lid: min(max(delistings[current[lid].source_record_id], current[lid].last_seen), today)
            for lid in removed if lid in current and current[lid].source_record_id in delistings}


def holders_said(holder: dict, others: list[dict]) -> list[tuple]:
    """Who the source names, as it named them: our own cleaning of a name (look-alikes, quotes)
    and what we record about it are no correction by the source."""
    return [(clean_name(h.get("name"))[0], h.get("type"), h.get("status")) for h in [holder, *others]]


def update_events(stored, values: dict) -> list[str]:
    """The events a stored listing goes through when this run's values replace it."""
    events = []
    if stored.status == "delisted" and values["status"] == "active":
        events.append("relisted")
    elif stored.status == "active" and values["status"] == "delisted":
        events.append("delisted")
    if (any(getattr(stored, key) != values[key] for key in CONTENT)
            # A label a store made before labels were kept (None) is no correction by the source.
            or (stored.raw_label is not None and stored.raw_label != values["raw_label"])
            # Likewise a reason a store made before reasons were kept.
            or (stored.reason is not None and stored.reason != values["reason"])
            or holders_said(stored.holder, stored.other_holders) != holders_said(values["holder"], values["other_holders"])):
        events.append("corrected")
    return events


def new_events(values: dict) -> list[str]:
    """The events of a listing seen for the first time: listed (and delisted at once when the
    source names it as cancelled)."""
    return ["listed"] + (["delisted"] if values["status"] == "delisted" else [])


def run_events(current: dict, inserts: list[dict], updates: list[dict], delisted_on: dict[str, date],
               today: date) -> dict[date, list[tuple[str, str]]]:
    """Every event one source run causes, by the day it happened: (listing id, event). `updates`:
    the stored listings this run names again (the delistings are in `delisted_on`, each dated)."""
    by_day: dict[date, list[tuple[str, str]]] = {}
    for lid, on in delisted_on.items():
        by_day.setdefault(on, []).append((lid, "delisted"))
    today_events = by_day.setdefault(today, [])
    for values in inserts:
        today_events += [(values["id"], event) for event in new_events(values)]
    for values in updates:
        today_events += [(values["id"], event) for event in update_events(current[values["id"]], values)]
    return {day: events for day, events in sorted(by_day.items()) if events}


def expiry_day(valid_until: date) -> date:
    """A listing valid until a day has expired on the day after it."""
    return valid_until + timedelta(days=1)


def kept_issues(reading_issues, stored_issues: list[str], truncated: bool = False) -> list[str]:
    """A listing's issues: its reading's, plus a cut in the source's text (a fact of the text, not
    of the address, so it stays when the address is read again)."""
    return sorted(set(reading_issues) | ({"truncated"} if truncated or "truncated" in stored_issues else set()))
