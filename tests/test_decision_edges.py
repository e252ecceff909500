"""Each threshold pinned at its edge and each guard decision named: a mutation of the number or
the condition turns one of these red."""

from __future__ import annotations

from datetime import date

import pytest

from sanctions_feed.normalize.extract import PENDING_WORDS, extract
from sanctions_feed.pipeline.guards import (
    MAX_REMOVED_SHARE,
    MIN_REMOVED_TO_GUARD,
    GuardError,
    check_run,
    check_store_matches_feed,
)
from sanctions_feed.schemas.feed import FeedAddress, FeedListing, ListingEvent
from sanctions_feed.schemas.source import SourceMeta
from sanctions_feed.screening import MATCH, Screen, listing_in_force

META = SourceMeta(authority="A", title="T", url="https://example.org", schedule="0 * * * *",
                  expected_min=0, expected_max=10_000)


def _run(active: int, kept: int, withdrawn: int = 0):
    ids = {f"L{i}" for i in range(active)}
    listed = {f"L{i}" for i in range(kept)}
    gone = frozenset(f"L{i}" for i in range(kept, kept + withdrawn))
    return check_run("src", META, listed, ids, force=False, withdrawn=gone)


def test_the_removal_guard_is_thirty_percent():
    assert MAX_REMOVED_SHARE == 0.30
    assert len(_run(100, 70)) == 30  # exactly 30% removed: accepted
    with pytest.raises(GuardError, match=r"would remove 31 of 100 active listings \(31%\)"):
        _run(100, 69)  # 31%: refused
    assert len(_run(100, 90)) == 10  # far below the share: accepted


def test_a_withdrawal_the_source_announced_does_not_count_toward_the_guard():
    assert len(_run(100, 50, withdrawn=20)) == 50  # 30 unexplained of 100: accepted


def test_the_removal_guard_needs_three_removals():
    assert MIN_REMOVED_TO_GUARD == 3
    assert _run(3, 1) == {"L1", "L2"}  # two of three (67%): too few to judge
    with pytest.raises(GuardError, match="would remove 3 of 4"):
        _run(4, 1)  # three of four


def test_force_accepts_any_removal():
    assert len(check_run("src", META, set(), {f"L{i}" for i in range(10)}, force=True)) == 10


@pytest.mark.parametrize("count, refused", [(1, "fewer than the 2 expected"), (2, None), (3, None),
                                            (4, "more than the 3 expected")])
def test_the_bounds_are_inclusive(count, refused):
    meta = META.model_copy(update={"expected_min": 2, "expected_max": 3})
    listed = {f"L{i}" for i in range(count)}
    if refused:
        with pytest.raises(GuardError, match=refused):
            check_run("src", meta, listed, set(), force=False)
    else:
        check_run("src", meta, listed, set(), force=False)


@pytest.mark.parametrize("published, store_sources, latest, feed_sources, refused", [
    pytest.param("R2", {"a"}, "R2", {"a", "b"}, None, id="the store that published the latest release"),
    pytest.param(None, set(), None, set(), None, id="a new feed"),
    pytest.param("R1", {"a", "b"}, "R2", {"a", "b"}, "not this feed's store", id="a store behind the feed"),
    pytest.param(None, set(), "R2", {"a"}, "the store is empty", id="an empty store"),
    pytest.param(None, {"a"}, "R2", {"a", "b"}, r"lacks sources the feed publishes \(b\)", id="a store missing a source"),
    pytest.param(None, {"a", "b"}, "R2", {"a", "b"}, None, id="a store from before the marker, with every source"),
    pytest.param(None, {"a", "b", "c"}, "R2", {"a", "b"}, None, id="a store with a source the feed has not published"),
    pytest.param("".join(["R", "2"]), {"a"}, "R2", {"a"}, None, id="the same release id, read from elsewhere"),
])
def test_a_store_must_match_the_feed(published, store_sources, latest, feed_sources, refused):
    if refused:
        with pytest.raises(GuardError, match=refused):
            check_store_matches_feed(published, store_sources, latest, feed_sources, "--db x")
    else:
        check_store_matches_feed(published, store_sources, latest, feed_sources, "--db x")


def _listing(**fields) -> FeedListing:
    return FeedListing(**({"source": "s", "source_record_id": "1", "status": "active", "first_seen": date(2024, 1, 1),
                           "raw_address": "x", "listed_on": date(2024, 1, 1)} | fields))


def test_a_listing_is_in_force_on_its_valid_until_day_and_not_the_day_after():
    listing = _listing(valid_until=date(2025, 6, 30))
    assert listing_in_force(listing, date(2025, 6, 30))
    assert not listing_in_force(listing, date(2025, 7, 1))
    assert listing_in_force(listing, date(2024, 1, 1)) and not listing_in_force(listing, date(2023, 12, 31))


def test_a_listing_delisted_on_a_day_is_out_of_force_from_that_day():
    listing = _listing(events=[ListingEvent(event="listed", date=date(2024, 1, 1)),
                               ListingEvent(event="delisted", date=date(2025, 3, 21))])
    assert listing_in_force(listing, date(2025, 3, 20)) and not listing_in_force(listing, date(2025, 3, 21))


def _screen(address: str, label: str) -> Screen:
    from sanctions_feed.normalize import normalize

    (found,) = normalize(address, label)
    return Screen([FeedAddress(id=found.id, chain=found.chain, address=found.address, display=found.display,
                               kind=found.kind, validity=found.validity, issues=list(found.issues), assets=[],
                               status="active", first_seen=date(2024, 1, 1), listings=[_listing()])])


def test_a_mistyped_case_of_a_case_blind_form_still_matches():
    eip55 = "0x52908400098527886E0F7030069857D2E4169EE7"
    screen = _screen(eip55, "ETH")
    mistyped = eip55[:-1] + eip55[-1].lower()  # breaks the checksum, not the account
    assert [v.status for v in screen.check(mistyped)] == [MATCH]
    bech32 = "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"
    mixed = bech32[:10] + bech32[10:].upper()  # mixed case is invalid bech32 (BIP-173), the same address
    assert [v.status for v in _screen(bech32, "XBT").check(mixed)] == [MATCH]


def test_a_changed_case_of_a_case_sensitive_form_is_another_address():
    tron = "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"
    screen = _screen(tron, "TRX")
    assert MATCH not in [v.status for v in screen.check(tron.lower()) + screen.check(tron.swapcase())]
    assert [v.status for v in screen.check(tron)] == [MATCH]


P2SH = "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm"  # Bitcoin or Litecoin: the label decides


@pytest.mark.parametrize("words, chain", [(PENDING_WORDS, "litecoin"), (PENDING_WORDS + 1, "bitcoin")],
                         ids=["within the label's reach", "one word past it"])
def test_a_label_reaches_over_eight_words_of_prose(words, chain):
    assert PENDING_WORDS == 8
    text = "LTC " + " ".join(["word"] * words) + f" {P2SH}"
    (mention,) = extract(text)
    assert mention.address.chain == chain


@pytest.mark.parametrize("as_of, published, force, refused", [
    pytest.param(date(2026, 11, 19), date(2026, 11, 20), False, True, id="an older list: refused"),
    pytest.param(date(2026, 11, 20), date(2026, 11, 20), False, False, id="the same day: accepted"),
    pytest.param(date(2026, 11, 21), date(2026, 11, 20), False, False, id="a newer list"),
    pytest.param(date(2026, 11, 19), date(2026, 11, 20), True, False, id="an older list, forced"),
    pytest.param(None, date(2026, 11, 20), False, False, id="a source without a date"),
    pytest.param(date(2026, 11, 19), None, False, False, id="nothing published yet"),
])
def test_a_source_never_goes_back_in_time_unless_forced(as_of, published, force, refused):
    from sanctions_feed.pipeline.guards import check_fresh

    if refused:
        with pytest.raises(GuardError, match="older than the 2026-11-20 list already published"):
            check_fresh("src", as_of, published, force)
    else:
        check_fresh("src", as_of, published, force)


def test_bounds_by_input_whatever_string_object_names_it(monkeypatch):
    """The input kind arrives from the crawler's JSON report: compared by value, never identity."""
    from sanctions_feed.pipeline.guards import bounds

    meta = META.model_copy(update={"expected_min": 400, "expected_max": 5000, "sample_min": 10, "sample_max": 100})
    assert bounds("src", meta, "".join(["sam", "ple"])) == (10, 100)
    assert bounds("src", meta, "".join(["re", "play"])) == (1, 5000)
    assert bounds("src", meta, "live") == (400, 5000)


def test_the_environment_bounds_name_their_source_exactly(monkeypatch):
    from sanctions_feed.pipeline.guards import bounds

    monkeypatch.setenv("SANCTIONS_FEED_BOUNDS", "zz_later=1:2, src=50:60")
    assert bounds("src", META, "live") == (50, 60)
    monkeypatch.setenv("SANCTIONS_FEED_BOUNDS", "src=5:x")
    with pytest.raises(GuardError, match="'src=5:x' is not NAME=MIN:MAX"):
        bounds("src", META, "live")


class _RecordingStream:
    """A text stream of `size` characters without a line break, recording each readline size."""

    def __init__(self, size: int):
        self.left, self.asked = size, []

    def readline(self, size: int = -1) -> str:
        self.asked.append(size)
        piece = min(self.left, size)
        self.left -= piece
        return "z" * piece


def test_a_line_is_read_up_to_4096_characters_then_in_64_kib_pieces():
    from sanctions_feed.screening import MAX_LINE, bounded_lines

    assert MAX_LINE == 4096
    stream = _RecordingStream(200_000)
    (line,) = list(bounded_lines(stream))
    assert len(line) == 4097 and stream.asked[0] == stream.asked[-1] == 4097  # then the next line: none
    assert set(stream.asked[1:-1]) == {1 << 16}
    assert "a line of more than 4096 characters" in Screen([]).check_lines([line]).__next__().input
    assert next(Screen([]).check_lines([line])).input.startswith("z" * 64 + "...")


def _delisted_without_events(delisted_on: date) -> FeedListing:
    return _listing(status="delisted", delisted_on=delisted_on, events=[])


@pytest.mark.parametrize("on, in_force", [(date(2025, 3, 20), True), (date(2025, 3, 21), False), (date(2025, 3, 22), False)],
                         ids=["the day before", "the day itself", "the day after"])
def test_a_listing_without_events_is_out_of_force_from_its_delisting_day(on, in_force):
    assert listing_in_force(_delisted_without_events(date(2025, 3, 21)), on) is in_force


def test_a_listing_without_an_official_date_starts_on_its_first_event():
    from sanctions_feed.screening import listing_start

    listing = _listing(listed_on=None, first_seen=date(2024, 5, 1),
                       events=[ListingEvent(event="listed", date=date(2024, 2, 1)),
                               ListingEvent(event="delisted", date=date(2024, 9, 1))])
    assert listing_start(listing) == date(2024, 2, 1)
    assert listing_start(_listing(listed_on=None, first_seen=date(2024, 5, 1), events=[])) == date(2024, 5, 1)


def test_a_tagged_deposit_no_longer_in_force_is_still_reported_tag_required():
    from sanctions_feed.normalize import normalize
    from sanctions_feed.screening import TAG_REQUIRED

    xrp = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"
    (found,) = normalize(f"{xrp} (tag 12345)", "XRP")
    delisted = FeedAddress(id=found.id, chain=found.chain, address=found.address, display=found.display,
                           kind=found.kind, tag=found.tag, validity=found.validity, issues=[], assets=[],
                           status="delisted", first_seen=date(2024, 1, 1),
                           listings=[_delisted_without_events(date(2025, 1, 1))])
    (result,) = Screen([delisted]).check(xrp)
    assert result.status == TAG_REQUIRED and result.matches == [delisted]
