"""The screening engine: a release's addresses indexed by match key, and the verdict on each
input (`Screen`); pure over the release's records."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sanctions_feed.errors import SanctionsFeedError
from sanctions_feed.normalize.keys import deposit_keys, match_keys, quick_reading, reading_of, screen_readings
from sanctions_feed.schemas.address import EVM_CHAINS, NormalizedAddress
from sanctions_feed.schemas.feed import FeedAddress, FeedListing

MATCH, TAG_REQUIRED, NOT_IN_FORCE, NO_MATCH, INVALID, NOT_AN_ADDRESS = (
    "match", "tag_required", "not_in_force", "no_match", "invalid", "not_an_address")
NOTES = {
    MATCH: "listed",
    TAG_REQUIRED: "shared deposit address, tag required",
    NOT_IN_FORCE: "listed once, not in force",
    NO_MATCH: "no match",
    INVALID: "not a valid address",
    NOT_AN_ADDRESS: "not an address",
}
NOT_VALID = (INVALID, NOT_AN_ADDRESS)
"""Verdicts on inputs that are no valid address: a damaged column, never a clean one."""
NEAR_MISS_MIN = 8
"""Characters a truncated input must keep to be called a cut copy of a listed address."""


def release_in_force(index, on: date | None, where: object) -> str:
    """The latest release of an index (`IndexHead` or `IndexFile`), or the one in force on a day:
    the last published by its end; the first release when the feed began later (its records
    still carry their dated history)."""
    if index is None or not index.versions:
        raise SanctionsFeedError(f"{where}: no release to screen against (run `sanctions-feed update` first)")
    if on is None:
        return index.latest or index.versions[-1].id
    before = [v.id for v in index.versions if v.created_at.date() <= on]
    return before[-1] if before else index.versions[0].id


def listing_start(listing: FeedListing) -> date:
    """When a listing began: the official listing date, else the day we first saw it."""
    return listing.listed_on or (listing.events[0].date if listing.events else listing.first_seen)


def listing_status_on(listing: FeedListing, on: date | None) -> str:
    """A listing's status now (on=None), or on a day: `not_yet_listed` before it was listed (the
    official listing date, else the day we first saw it), else `delisted` or `expired` as its dated
    events (and its `valid_until`) say by then, else `active`."""
    if on is None:
        return listing.status
    if listing_start(listing) > on:
        return "not_yet_listed"
    if listing.valid_until is not None and listing.valid_until < on:
        return "expired"
    state = "listed"
    for event in listing.events:  # oldest first
        if event.date <= on:
            state = event.event
    if not listing.events and listing.delisted_on is not None and listing.delisted_on <= on:
        state = "delisted"
    return state if state in ("delisted", "expired") else "active"


def listing_in_force(listing: FeedListing, on: date | None) -> bool:
    """Active now (on=None), or in force on a day (see `listing_status_on`)."""
    return listing_status_on(listing, on) == "active"


@dataclass
class ScreenResult:
    input: str
    status: str
    matches: list[FeedAddress] = field(default_factory=list)
    """The listed addresses the input names (for `tag_required` and `not_in_force`: the ones it
    would name)."""
    issues: tuple[str, ...] = ()
    """For `invalid` and `not_an_address`: what normalization found wrong with the input."""
    near_misses: list[tuple[str, FeedAddress]] = field(default_factory=list)
    """Listed addresses the input is nearly (how: `one_character_off`, `truncated`, `case_differs`)."""

    @property
    def note(self) -> str:
        note = NOTES[self.status]
        issues = [issue for issue in self.issues if issue != self.status]
        if issues and self.status in NOT_VALID:
            note += f" ({', '.join(issues)})"
        for how, address in self.near_misses:
            note += f"; {how.replace('_', ' ')} from listed {address.chain} {address.display}"
        return note


class KeyIndex:
    """Items by match key, and tagged deposits by their address alone."""

    def __init__(self, items: Iterable[tuple[NormalizedAddress, object]]):
        self.by_key: dict[str, list] = {}
        self.deposits: dict[str, list] = {}
        for reading, item in items:
            keys = match_keys(reading)
            for key in keys:
                self.by_key.setdefault(key, []).append(item)
            if reading.kind == "tagged_deposit":
                for key in deposit_keys(keys):
                    self.deposits.setdefault(key, []).append(item)

    def lookup(self, reading: NormalizedAddress) -> tuple[list, list]:
        """(items the reading names, tagged deposits it names without their tag)."""
        keys = match_keys(reading)
        if len(keys) == 1:  # the usual case, kept cheap for bulk screening
            found = self.by_key.get(keys[0])
            if found or reading.kind == "tagged_deposit":
                return list(found or ()), []
            return [], list(self.deposits.get(keys[0], ()))
        found = _unique(item for key in keys for item in self.by_key.get(key, ()))
        if found or reading.kind == "tagged_deposit":
            return found, []
        return [], _unique(item for key in keys for item in self.deposits.get(key, ()))


MAX_LINE = 4096
"""Characters one input line may have: far more than any address or payment URI. A longer line
is one `not_an_address` verdict, read in pieces and never held whole."""


def bounded_lines(stream, limit: int = MAX_LINE) -> Iterator[str]:
    """The stream's lines, each cut to `limit` + 1 characters (what is past that is read and
    dropped), so that input without line breaks (`/dev/zero`) keeps memory flat."""
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith("\n"):
            while (rest := stream.readline(1 << 16)) and not rest.endswith("\n"):
                pass
        yield line


class Screen:
    """The addresses of one release, ready to screen against (on a day, or as they stand)."""

    def __init__(self, addresses: list[FeedAddress], on: date | None = None):
        self.on = on
        self.index = KeyIndex((reading_of(a), a) for a in addresses if a.kind != "unknown")
        self.addresses = addresses
        self._near: NearMisses | None = None

    def near_misses(self, text: str) -> list[tuple[str, FeedAddress]]:
        if self._near is None:  # built at the first input that needs it: bulk screening of clean input never does
            self._near = NearMisses(self.addresses)
        return self._near.find(text)

    def in_force(self, address: FeedAddress) -> bool:
        return any(listing_in_force(listing, self.on) for listing in address.listings)

    def check(self, text: str) -> list[ScreenResult]:
        """One verdict per address the text names (most texts name one)."""
        verdicts = []
        quick = quick_reading(text)
        for reading in (quick,) if quick is not None else screen_readings(text):
            found, deposits = self.index.lookup(reading)  # a listed string that is no address is still listed
            if not found and not deposits and (reading.kind == "unknown" or reading.validity == "invalid"):
                status = NOT_AN_ADDRESS if reading.kind == "unknown" else INVALID
                written = reading.display if reading.kind != "unknown" else text
                verdicts.append(ScreenResult(text, status, issues=reading.issues, near_misses=self.near_misses(written)))
                continue
            # A mistyped case of a case-blind form (EVM, bech32, CashAddr) needs no second look:
            # its reading is already case-folded, so it shares the listed form's key.
            if found:
                active = [a for a in found if self.in_force(a)]
                if active:
                    verdicts.append(ScreenResult(text, MATCH, active))
                elif self.on is not None and not any(_listed_before(a, self.on) for a in found):
                    verdicts.append(ScreenResult(text, NO_MATCH))
                else:
                    verdicts.append(ScreenResult(text, NOT_IN_FORCE, found))
            elif deposits:
                verdicts.append(ScreenResult(text, TAG_REQUIRED, [a for a in deposits if self.in_force(a)] or deposits))
            else:
                verdicts.append(ScreenResult(text, NO_MATCH))
        return verdicts

    def check_lines(self, lines: Iterable[str]) -> Iterator[ScreenResult]:
        """Stream verdicts over lines (blank lines and `#` comments skipped): memory stays flat."""
        for line in lines:
            text = line.strip()
            if len(text) > MAX_LINE:
                yield ScreenResult(f"{text[:64]}... (a line of more than {MAX_LINE} characters)", NOT_AN_ADDRESS)
            elif text and not text.startswith("#"):
                yield from self.check(text)


class NearMisses:
    """Listed addresses an input nearly is: one character off (changed, missing or extra), or cut
    short (at least `NEAR_MISS_MIN` characters of a listed address, from its start or its end).
    Compared case-blind, by deleting one character from each side (a deletion neighbourhood)."""

    def __init__(self, addresses: list[FeedAddress]):
        self.by_deletion: dict[str, list[FeedAddress]] = {}
        self.by_form: dict[str, list[FeedAddress]] = {}
        for address in addresses:
            if address.kind == "unknown":
                continue
            for form in {address.address.casefold(), address.display.casefold()}:
                self.by_form.setdefault(form, []).append(address)
                for variant in _deletions(form):
                    self.by_deletion.setdefault(variant, []).append(address)
        self.forms = sorted(self.by_form)
        self.reversed = sorted(form[::-1] for form in self.by_form)

    def find(self, text: str) -> list[tuple[str, FeedAddress]]:
        query = "".join(text.split()).casefold()
        if len(query) < NEAR_MISS_MIN:
            return []
        found: dict[str, tuple[str, FeedAddress]] = {}
        for address in self.by_form.get(query, ()):  # a letter of a case-sensitive form in the wrong case
            found.setdefault(address.id, ("case_differs", address))
        for variant in (query, *_deletions(query)):
            for address in self.by_deletion.get(variant, []) + (self.by_form.get(variant, []) if variant != query else []):
                found.setdefault(address.id, ("one_character_off", address))
        for form in _with_prefix(self.forms, query) + [f[::-1] for f in _with_prefix(self.reversed, query[::-1])]:
            if form != query:
                for address in self.by_form[form]:
                    found.setdefault(address.id, ("truncated", address))
        return sorted(found.values(), key=lambda pair: pair[1].id)


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1:] for i in range(len(text))}


def _with_prefix(ordered: list[str], prefix: str) -> list[str]:
    start = bisect_left(ordered, prefix)
    found = []
    for form in ordered[start:]:
        if not form.startswith(prefix):
            break
        found.append(form)
    return found


def evm_note(address: FeedAddress) -> str | None:
    """Say which EVM chain an address was listed under when it matched as an EVM account."""
    if address.chain in EVM_CHAINS:
        return f"listed under {address.chain}; an EVM account is the same on every EVM chain"
    return None


def _listed_before(address: FeedAddress, on: date) -> bool:
    return any(listing_start(listing) <= on for listing in address.listings)


def _unique(items) -> list:
    seen: dict[int, object] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())

