"""The lifecycle's decisions, one row per branch: which events a run causes, when a withdrawn
record is delisted, when a listing expires, which issues a listing keeps."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from sanctions_feed.pipeline.lifecycle import (
    CONTENT,
    expiry_day,
    kept_issues,
    new_events,
    run_events,
    update_events,
    withdrawals,
)

TODAY = date(2026, 11, 25)
HOLDER = {"name": "GARANTEX EUROPE OU", "type": "entity", "status": None}


def fresh(text: str) -> str:
    """An equal string that is another object: values come from the store and the spiders, never
    from literals, so the rules must compare by value."""
    return "".join(list(text))


def stored(**changes) -> SimpleNamespace:
    row = {"status": "active", "raw_address": "TXyz", "programs": ["CYBER2"], "listed_on": date(2022, 4, 5),
           "valid_until": None, "source_url": "https://example.org/1", "assets": ["TRX"], "raw_label": "TRX",
           "holder": HOLDER, "other_holders": [], "source_record_id": "R1", "last_seen": date(2026, 11, 20),
           "reason": None}
    return SimpleNamespace(**(row | changes))


def values(**changes) -> dict:
    return vars(stored(**changes)) | {"id": "L1"}


@pytest.mark.parametrize("before, after, events", [
    pytest.param({}, {}, [], id="named again unchanged: no event"),
    pytest.param({"status": "delisted"}, {}, ["relisted"], id="delisted, named again: relisted"),
    pytest.param({}, {"status": "delisted"}, ["delisted"], id="active, cancelled by the source: delisted"),
    pytest.param({"status": "delisted"}, {"status": "delisted"}, [], id="delisted and still cancelled: no event"),
    pytest.param({"status": "delisted"}, {"programs": ["SDGT"]}, ["relisted", "corrected"],
                 id="relisted with other content: both"),
    pytest.param({"raw_label": None}, {"raw_label": "USDT"}, [], id="a label a store made before labels were kept"),
    pytest.param({}, {"raw_label": "USDT"}, ["corrected"], id="the source's label changed: corrected"),
    pytest.param({}, {"holder": {"name": "GАRANTEX EUROPE OU", "type": "entity", "status": None}}, [],
                 id="a look-alike letter in the name: our cleaning, no correction"),
    pytest.param({}, {"holder": {"name": "GARANTEX EUROPE OU", "type": "individual", "status": None}},
                 ["corrected"], id="the holder's type changed: corrected"),
    pytest.param({}, {"other_holders": [{"name": "GRINEX", "type": "entity", "status": None}]},
                 ["corrected"], id="a further holder named: corrected"),
])
def test_update_events(before, after, events):
    def copies(fields: dict) -> dict:
        return {key: fresh(value) if isinstance(value, str) else value for key, value in fields.items()}

    assert update_events(stored(**copies({"status": "active"} | before)),
                         values(**copies({"status": "active"} | after))) == events


@pytest.mark.parametrize("before, after", [("USDT", "TRX"), ("TRX", "USDT")], ids=["later to earlier", "earlier to later"])
def test_a_label_changed_either_way_is_a_correction(before, after):
    assert update_events(stored(raw_label=before), values(raw_label=after)) == ["corrected"]


@pytest.mark.parametrize("before, after", [("ALPHA", "BETA"), ("BETA", "ALPHA")], ids=["later name", "earlier name"])
def test_a_holder_renamed_either_way_is_a_correction(before, after):
    def holder(name):
        return {"name": name, "type": "entity", "status": None}

    assert update_events(stored(holder=holder(before)), values(holder=holder(after))) == ["corrected"]


@pytest.mark.parametrize("key", CONTENT)
def test_a_change_to_what_the_source_says_is_a_correction(key):
    changed = {"raw_address": "TAbc", "programs": ["SDGT"], "listed_on": date(2023, 1, 1),
               "valid_until": date(2027, 1, 1), "source_url": "https://example.org/2", "assets": ["USDT"]}[key]
    assert update_events(stored(), values(**{key: changed})) == ["corrected"]


@pytest.mark.parametrize("status, events", [("active", ["listed"]), ("delisted", ["listed", "delisted"])],
                         ids=["listed", "cancelled on first sight: listed then delisted"])
def test_new_events(status, events):
    assert new_events(values(status=fresh(status))) == events


@pytest.mark.parametrize("withdrawn_on, delisted_on", [
    pytest.param(date(2026, 11, 22), date(2026, 11, 22), id="the source's own date"),
    pytest.param(date(2026, 11, 1), date(2026, 11, 20), id="never before we last saw it listed"),
    pytest.param(date(2026, 11, 20), date(2026, 11, 20), id="the day we last saw it: that day"),
    pytest.param(date(2026, 12, 1), TODAY, id="never after today"),
])
def test_withdrawals_are_dated_by_the_source_within_what_we_saw(withdrawn_on, delisted_on):
    current = {"L1": stored()}
    assert withdrawals(current, {"L1"}, {"R1": withdrawn_on}, TODAY) == {"L1": delisted_on}


def test_only_removed_listings_of_withdrawn_records_are_withdrawals():
    current = {"L1": stored(), "L2": stored(source_record_id="R2")}
    assert withdrawals(current, {"L2", "L9"}, {"R1": TODAY}, TODAY) == {}  # R2 not withdrawn, L9 not stored
    assert withdrawals(current, {"L2"}, {"R2": TODAY}, TODAY) == {"L2": TODAY}


def test_run_events_are_grouped_by_day_oldest_first():
    current = {"L2": stored(status="delisted")}
    events = run_events(current, [values(status="active") | {"id": "L1"}], [values() | {"id": "L2"}],
                        {"L3": date(2026, 11, 22), "L4": TODAY}, TODAY)
    assert list(events) == [date(2026, 11, 22), TODAY]
    assert events[date(2026, 11, 22)] == [("L3", "delisted")]
    assert sorted(events[TODAY]) == [("L1", "listed"), ("L2", "relisted"), ("L4", "delisted")]
    assert run_events({}, [], [], {}, TODAY) == {}  # nothing happened: no day at all


def test_a_listing_expires_the_day_after_its_valid_until():
    assert expiry_day(date(2026, 12, 31)) == date(2027, 1, 1)
    assert expiry_day(date(2028, 2, 28)) == date(2028, 2, 29)


@pytest.mark.parametrize("reading, stored_issues, truncated, kept", [
    pytest.param(["checksum_mismatch"], [], False, ["checksum_mismatch"], id="the reading's issues"),
    pytest.param([], ["truncated", "old"], False, ["truncated"], id="a cut in the source's text stays"),
    pytest.param([], [], True, ["truncated"], id="a cut this run saw"),
    pytest.param(["b", "a"], [], False, ["a", "b"], id="sorted"),
    pytest.param(["truncated"], ["truncated"], False, ["truncated"], id="a cut the reading and the store both name"),
])
def test_kept_issues(reading, stored_issues, truncated, kept):
    assert kept_issues(reading, stored_issues, truncated) == kept


def test_kept_issues_assume_no_cut_unless_told():
    assert kept_issues(["a"], []) == ["a"]


def test_the_same_label_read_again_is_no_correction():
    assert update_events(stored(raw_label=fresh("TRX")), values(raw_label=fresh("TRX"))) == []


# Dates an auditor can read: events in the order they happened, official dates apart from ours.

def _row(event, on, version):
    from types import SimpleNamespace

    return SimpleNamespace(event=event, on=on, version=version)


def test_same_day_events_read_in_release_order_not_type_order():
    from sanctions_feed.publish.build import published_events

    day = date(2026, 12, 5)
    rows = [_row("relisted", day, "20261205T180000Z"), _row("delisted", day, "20261205T060000Z"),
            _row("listed", date(2026, 1, 1), "20260101T000000Z")]
    events = published_events(rows, None, day)
    assert [e.event for e in events] == ["listed", "delisted", "relisted"]
    # This run's events (not yet stamped) come after every published one that day.
    events = published_events([_row("delisted", day, None), _row("relisted", day, "20261205T060000Z")], None, day)
    assert [(e.event, e.release) for e in events] == [("relisted", "20261205T060000Z"), ("delisted", None)]


def test_a_listed_event_takes_the_official_date_and_keeps_the_day_it_was_recorded():
    from sanctions_feed.publish.build import published_events

    seen = date(2026, 12, 5)
    (listed,) = published_events([_row("listed", seen, "20261205T120000Z")], date(2026, 3, 1), seen)
    assert (listed.date, listed.recorded_on) == (date(2026, 3, 1), seen)
    # An official date after the day seen (announced ahead) is no earlier effect: the day seen stays.
    (listed,) = published_events([_row("listed", seen, "20261205T120000Z")], date(2026, 12, 6), seen)
    assert listed.date == seen
    # "expired 2026-08-01, listed 2026-12-05" can no longer be read: listed comes first.
    events = published_events([_row("listed", seen, "20261205T120000Z"), _row("expired", date(2026, 8, 1), "20261205T120000Z")],
                              date(2026, 1, 10), seen)
    assert [(e.event, e.date) for e in events] == [("listed", date(2026, 1, 10)), ("expired", date(2026, 8, 1))]


def test_a_release_written_before_schema_1_3_is_no_change_of_the_lists():
    from sanctions_feed.publish.diff import diff
    from sanctions_feed.schemas.feed import ListingEvent

    from .test_screening import listed

    new = listed("12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx", "XBT", on=date(2026, 11, 24))
    new.listings[0].listed_on = date(2024, 5, 7)
    new.listings[0].events = [ListingEvent(event="listed", date=date(2024, 5, 7), recorded_on=date(2026, 11, 24),
                                           release="20261124T120000Z")]
    old = new.model_copy(deep=True)
    old.listings[0].events = [ListingEvent(event="listed", date=date(2026, 11, 24))]  # as 1.2 wrote it
    assert not diff("a", [old], "b", [new]).changed
    other = new.model_copy(deep=True)
    other.listings[0].events.append(ListingEvent(event="delisted", date=date(2026, 11, 25)))
    assert diff("a", [old], "b", [other]).changed
