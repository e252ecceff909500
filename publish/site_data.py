"""What the site's pages show, made from a release's files: rows of listing changes named by
authority, the pages of addresses, and the offline search index. Plain data for the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sanctions_feed.normalize.keys import deposit_keys, match_keys, reading_of
from sanctions_feed.schemas.authorities import authority_name, program_title
from sanctions_feed.schemas.feed import ChangesFile, FeedAddress, FeedListing, ListingChange
from sanctions_feed.schemas.release import Manifest

from .diff import shown_value

_SAFE = re.compile(r"[A-Za-z0-9.-]")


def page_key(address_id: str) -> str:
    """An address id as a file name, the same on every system and never two ids in one: letters,
    digits, `.` and `-` kept, `:` as `_`, any other byte as `~xx`."""
    out = []
    for char in address_id:
        if _SAFE.fullmatch(char):
            out.append(char)
        elif char == ":":
            out.append("_")
        else:
            out.extend(f"~{byte:02x}" for byte in char.encode("utf-8"))
    return "".join(out)


def when(moment: datetime | None) -> str:
    """The one time format of the site: `2026-12-05 15:41 UTC`."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


@dataclass
class ChangeRow:
    """One changed listing as the pages show it."""

    change: str
    address: FeedAddress
    source: str
    record: str
    listing: FeedListing | None
    event: str | None = None
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    """(field, before, after) of a changed listing."""
    status: str | None = None

    @property
    def authority(self) -> str:
        return authority_name(self.source)

    @property
    def programmes(self) -> list[tuple[str, str | None]]:
        """(official value, English title or None) of the listing's programmes."""
        if self.listing is None:
            return []
        return [(p, self.listing.program_titles.get(p) or program_title(self.listing.source, p))
                for p in self.listing.programs]


def change_rows(changes: ChangesFile) -> list[ChangeRow]:
    """Every changed listing of a release, by address; a release written before listings were
    recorded (schema 1.4) shows each listing of each changed address."""
    addresses = {a.id: (change, a) for change, items in (("added", changes.added), ("removed", changes.removed))
                 for a in items}
    addresses |= {c.id: ("changed", c.after) for c in changes.changed}
    rows: list[ChangeRow] = []
    touched: set[str] = set()
    for item in changes.listings or []:
        if item.id not in addresses:
            continue
        touched.add(item.id)
        rows.append(_row(item, addresses[item.id][1]))
    for address_id, (change, address) in sorted(addresses.items()):
        if address_id in touched:
            continue
        if changes.listings is None:
            rows += [ChangeRow(change, address, x.source, x.source_record_id, x, status=x.status) for x in address.listings]
        else:  # the address's verdict changed, not what a source says
            fields = next(([("verdict", "", ", ".join(c.fields))] for c in changes.changed if c.id == address_id), [])
            rows.append(ChangeRow(change, address, "", "", None, fields=fields, status=address.status))
    return sorted(rows, key=lambda r: (r.address.id, r.source, r.record))


def _row(item: ListingChange, address: FeedAddress) -> ChangeRow:
    listing = next((x for x in address.listings if (x.source, x.source_record_id) == (item.source, item.source_record_id)),
                   None)
    fields = [(name, shown_value(value.before), shown_value(value.after)) for name, value in item.fields.items()]
    return ChangeRow(item.change, address, item.source, item.source_record_id, listing, item.event, fields, item.status)


def changed_sources(changes: ChangesFile) -> list[str]:
    """The sources whose listings changed in a release, by name."""
    if changes.listings is not None:
        return sorted({item.source for item in changes.listings})
    return sorted({x.source for a in [*changes.added, *changes.removed, *(c.after for c in changes.changed)]
                   for x in a.listings})


def replays(manifest: Manifest | None, previous: Manifest | None) -> list[tuple[str, date, date]]:
    """(source, its list's date now, before) for each source whose list went back in time: a
    forced replay of an older list."""
    if manifest is None or previous is None:
        return []
    before = {s.name: s.as_of for s in previous.sources if s.as_of}
    return [(s.name, s.as_of, before[s.name]) for s in manifest.sources
            if s.as_of and s.name in before and s.as_of < before[s.name]]


def events_of(address: FeedAddress) -> list[tuple[date, str, FeedListing, str | None]]:
    """Every event of every listing of an address, oldest first: (date, event, listing, release)."""
    out = [(e.date, e.event, listing, e.release) for listing in address.listings for e in listing.events]
    return sorted(out, key=lambda item: (item[0], item[3] or "~", item[2].source, item[2].source_record_id))


def search_forms(address: FeedAddress) -> list[str]:
    """Every written form the search finds the address by, case-folded: the keys screening matches
    on (an X-address's classic form, a CashAddr's legacy form), its address alone, its display."""
    forms = {address.address, address.display}
    if address.kind != "unknown":
        keys = match_keys(reading_of(address))
        forms |= set(keys) | set(deposit_keys(keys))
    forms |= {form.split(":", 1)[1] for form in list(forms) if form.startswith("bitcoincash:")}
    return sorted({form.casefold() for form in forms})


def search_entry(address: FeedAddress) -> list:
    """One address in the search index: [page, display, chain, status, forms, holders, authorities]."""
    holders = sorted({x.holder for x in address.listings if x.holder})
    authorities = sorted({authority_name(x.source) for x in address.listings})
    return [page_key(address.id), address.display + (f" tag {address.tag}" if address.tag else ""), address.chain,
            address.status, search_forms(address), holders, authorities]


@dataclass(frozen=True)
class ChartPoint:
    """What the charts draw of a release: when, and the active addresses per source and chain."""

    created_at: datetime
    sources: dict[str, int]
    chains: dict[str, int]

    @classmethod
    def of(cls, version) -> ChartPoint:
        return cls(version.created_at, {name: counts.active for name, counts in version.by_source.items()},
                   dict(version.active_by_chain))

    def to_json(self) -> list:
        return [self.created_at.isoformat(), self.sources, self.chains]

    @classmethod
    def from_json(cls, point: list) -> ChartPoint:
        return cls(datetime.fromisoformat(point[0]), point[1], point[2])


CHART_POINTS = 366
"""Points a chart draws at most: a year of days, however long the history."""


def chart_points(versions: list, most: int = CHART_POINTS) -> list:
    """The releases a chart draws: the last of each UTC day, then, past `most` days, evenly
    spaced ones (the newest always kept), so that a chart costs the same at any history's length.
    The exact counts of every release stay in index.json and its yearly pages."""
    days = {v.created_at.date(): v for v in versions}  # oldest first: each day's last release wins
    kept = list(days.values())
    if len(kept) <= most:
        return kept
    step = len(kept) / most
    return [kept[len(kept) - 1 - int(n * step)] for n in reversed(range(most))]
