"""The static site in the feed directory (`site/`), rebuilt with every release from the templates
in `templates/`, around an analyst's questions:
- what changed recently (`index.html`: the latest release; `recent-7.html`, `recent-30.html`),
  one row per changed listing, named by authority, with previous/next between releases;
- is address X listed, and since when (`search.html`, offline over `search-index.js`; a page per
  address at `addresses/<key>.html` with every listing and its history, delisted ones included);
- who publishes what (`sources/`), and every release (`releases/index.html`).

Every link is relative and every resource is in `site/` (a stylesheet, a script, SVG charts made
here), so the site works from `serve`, from object storage and from a `file://` open, offline.
Names keep their script and direction: cells are `dir="auto"` and names are isolated (`<bdi>`).
Pages whose content cannot have changed (an older release's, an address the release did not
touch) are kept from the previous site while the templates are the same (`GENERATOR`)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from sanctions_feed.schemas.authorities import authority_name, program_title
from sanctions_feed.schemas.feed import AddressesFile, ChangesFile, FeedAddress, IndexVersion
from sanctions_feed.schemas.release import IndexFile, Manifest

from .at_rest import release_bytes, release_has
from .chart import line_chart
from .html import CONTENT_SECURITY_POLICY
from .reading import local_reader, with_history
from .site_data import (
    ChartPoint,
    change_rows,
    changed_sources,
    chart_points,
    events_of,
    page_key,
    replays,
    search_entry,
    when,
)

if TYPE_CHECKING:
    from markupsafe import Markup  # jinja2's

SITE = "site"
CHART_CACHE = ".site-charts.json"
"""Beside the feed, hidden (never served or pushed): the charts' points of the paged releases."""
ASSETS = ("site.css", "site.js")
GENERATOR = "sanctions-feed site 4"
"""Named in every page: a page is kept from the previous site while this is unchanged, and
written anew when the templates change."""
VIEWS = (("Latest release", "index.html", 0), ("Last 7 days", "recent-7.html", 7), ("Last 30 days", "recent-30.html", 30))
"""The first screen's views: the latest release, and every release of the last N days (counted
back from the latest release, not from today, so the same feed gives the same site)."""
RELEASE_FILES = ("changes.csv", "changes.xlsx", "changes.json", "addresses.csv", "addresses.xlsx",
                 "entities.ftm.json", "manifest.json")


@cache
def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    env.filters.update(authority=authority_name, page_key=page_key, when=when)
    env.globals.update(csp=CONTENT_SECURITY_POLICY, generator=GENERATOR)
    return env


def render(template: str, path: Path, **values) -> None:
    write_text(path, templates().get_template(template).render(**values))


def write_text(path: Path, text: str) -> None:
    """A page written in place, whole (a reader sees the old page or the new one, never half),
    and not at all when it says what it said."""
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, path)


class Site:
    """Reads the feed's releases and writes `site/` whole, in place of the old one."""

    def __init__(self, feeds: Path, index: IndexFile, latest_changes: ChangesFile | None = None,
                 latest_addresses: list[FeedAddress] | None = None):
        """`latest_*`: the latest release's changes and addresses when the caller has them in
        memory (else they are read from the release)."""
        self.feeds, self.index = feeds, index
        self._history: list[IndexVersion] | None = None
        self._tables: dict[tuple[str, str], tuple[Markup, list] | None] = {}
        self._read_changes: dict[str, ChangesFile | None] = {}
        self.latest_changes, self.latest_addresses = latest_changes, latest_addresses
        self.marker = f'<meta name="generator" content="{GENERATOR}">'.encode()

    def _release(self, version: str | None, name: str, model):
        path = self.feeds / "v" / (version or "-") / name
        return model.model_validate_json(release_bytes(path)) if version and release_has(path) else None

    def _changes(self, version: str) -> ChangesFile | None:
        if version == self.index.latest and self.latest_changes is not None:
            return self.latest_changes
        if version not in self._read_changes:  # the views and the release pages read the same ones
            self._read_changes[version] = self._release(version, "changes.json", ChangesFile)
        return self._read_changes[version]

    @property
    def history(self) -> list[IndexVersion]:
        """Every release, those of index.json's yearly pages too (read once, when needed)."""
        if self._history is None:
            self._history = with_history(self.index, local_reader(self.feeds), self.feeds).versions
        return self._history

    def _kept(self, relative: str, out: Path) -> bool:
        """Whether a page of these templates is there already: left in place, not read again."""
        try:
            with (out / relative).open("rb") as page:
                return self.marker in page.read(1024)
        except OSError:
            return False

    def write(self) -> Path:
        """The site, updated in place: the pages of the new release and what links to it are
        written, every page whose content cannot have changed (an older release's, an address the
        release did not touch) is left as it is, so the work follows the change, not the history."""
        out = self.feeds / SITE
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise OSError(f"{out} is not a directory")
        for folder in ("releases", "sources", "addresses"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        for asset in ASSETS:
            write_text(out / asset, resources.files(__package__).joinpath("assets", asset).read_text(encoding="utf-8"))
        self._write_pages(out)
        return out

    def _write_pages(self, out: Path) -> None:
        # Made by these templates before: the pages of the releases index.json no longer lists
        # stay as they are (a new generator writes every one again).
        versions = self.index.versions if self._kept("index.html", out) else self.history
        self._write_releases(out, versions)
        self._write_release_years(out)
        oldest_viewed = versions[-1].created_at - timedelta(days=max(days for _, _, days in VIEWS)) if versions else None
        self._write_views(out, self.history if oldest_viewed and versions[0].created_at > oldest_viewed else versions)
        addresses = self.latest_addresses
        if addresses is None:
            latest = self._release(self.index.latest, "addresses.json", AddressesFile)
            addresses = latest.addresses if latest else []
        self._write_addresses(out, addresses)
        self._write_charts(out)
        self._write_sources(out, addresses)

    def _write_releases(self, out: Path, versions: list[IndexVersion]) -> None:
        ids = [v.id for v in versions]
        fresh = set(ids[-2:])  # the latest, and the one before it (its "next" link is new)
        for position, entry in enumerate(versions):
            relative = f"releases/{entry.id}.html"
            if entry.id not in fresh and self._kept(relative, out):
                continue
            changes = self._changes(entry.id)
            if changes is None:
                continue
            render("release.html", out / relative, title=f"Release of {when(entry.created_at)}", up="../",
                   entry=entry, rows=change_rows(changes), sources=changed_sources(changes), files=RELEASE_FILES,
                   replays=replays(self._release(entry.id, "manifest.json", Manifest),
                                   self._release(entry.previous, "manifest.json", Manifest)),
                   previous=entry.previous,  # the first of index.json's releases links to a paged one too
                   next=ids[position + 1] if position + 1 < len(ids) else None)
        recent = self.index.versions
        render("releases.html", out / "releases" / "index.html", title="All releases", up="../",
               rows=list(reversed(recent)), total=sum(a.releases for a in self.index.archives) + len(recent),
               years=[(a.year, a.releases) for a in reversed(self.index.archives)], year=None, sha256=None)

    def _write_release_years(self, out: Path) -> None:
        """releases/<year>.html for each yearly page of index.json, written again only when the
        page changed (its sha256 is in the HTML)."""
        for archive in self.index.archives:
            relative = f"releases/{archive.year}.html"
            try:
                current = archive.sha256.encode() in (out / relative).read_bytes() and self._kept(relative, out)
            except OSError:
                current = False
            if not current:
                rows = [v for v in self.history if v.id[:4] == str(archive.year) and v.id <= archive.last]
                render("releases.html", out / relative, title=f"Releases of {archive.year}", up="../",
                       rows=list(reversed(rows)), total=len(rows), year=archive.year, sha256=archive.sha256)

    def _write_views(self, out: Path, versions: list[IndexVersion]) -> None:
        latest = versions[-1] if versions else None
        for label, page, days in VIEWS:
            chosen = [latest] if latest and not days else [
                v for v in versions if latest and v.created_at > latest.created_at - timedelta(days=days)]
            releases: list[dict] = []
            for entry in reversed(chosen):
                table = self._view_table(entry.id, "latest-changes" if not releases else f"changes-{entry.id}")
                if table is not None:
                    releases.append({"entry": entry, "table": table[0], "sources": table[1], "previous": entry.previous})
            heading = "What changed in the latest release" if not days else f"What changed in the last {days} days"
            render("index.html", out / page, title=label, up="", heading=heading, views=[v[:2] for v in VIEWS],
                   current=page, releases=releases, single=not days, charts=not days)

    def _view_table(self, version: str, table_id: str) -> tuple[Markup, list] | None:
        """A release's change table as the views show it, and its changed sources: made once,
        shown by every view it is in (a release of 9,000 changes is a table of 9,000 rows)."""
        key = (version, table_id)
        if key not in self._tables:
            changes = self._changes(version)
            change_table = getattr(templates().get_template("macros.html").module, "change_table")  # noqa: B009 - a template's macro
            self._tables[key] = None if changes is None else (change_table(table_id, change_rows(changes), ""),
                                                              changed_sources(changes))
        return self._tables[key]

    def _write_addresses(self, out: Path, addresses: list[FeedAddress]) -> None:
        changes = self.latest_changes or self._changes(self.index.latest or "")
        touched = {a.id for a in [*changes.added, *changes.removed]} | {c.id for c in changes.changed} \
            if changes else set()
        for address in addresses:
            relative = f"addresses/{page_key(address.id)}.html"
            if address.id in touched or not self._kept(relative, out):
                render("address.html", out / relative, title=address.display, up="../", address=address,
                       events=events_of(address),
                       pairs=[[(p, x.program_titles.get(p) or program_title(x.source, p)) for p in x.programs]
                              for x in address.listings])
        entries = [search_entry(a) for a in addresses]
        write_text(out / "search-index.js",
                   "// Every address ever listed, for search.html: [page, display, chain, status, forms, holders, authorities]\n"
                   f"window.SANCTIONS_FEED_SEARCH = {json.dumps(entries, ensure_ascii=False, separators=(',', ':'))};\n")
        render("search.html", out / "search.html", title="Search addresses", up="", count=len(entries),
               latest=self.index.latest or "")

    def _archived_points(self) -> list[ChartPoint]:
        """The chart points of the releases on index.json's yearly pages, kept beside the feed
        (CHART_CACHE) while the pages are the same: an update reads no page for the charts."""
        if not self.index.archives:
            return []
        key, cache = [a.sha256 for a in self.index.archives], self.feeds / CHART_CACHE
        try:
            kept = json.loads(cache.read_bytes())
            if kept["archives"] == key:
                return [ChartPoint.from_json(point) for point in kept["points"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        archived = [v for v in self.history if v.id <= self.index.archives[-1].last]
        points = chart_points([ChartPoint.of(v) for v in archived if v.by_source or v.active_by_chain])
        write_text(cache, json.dumps({"archives": key, "points": [p.to_json() for p in points]}))
        return points

    def _write_charts(self, out: Path) -> None:
        recent = [ChartPoint.of(v) for v in self.index.versions if v.by_source or v.active_by_chain]
        points = chart_points(self._archived_points() + recent)
        times = [p.created_at for p in points]

        def series(attribute: str) -> dict[str, list[int | None]]:
            names = sorted({name for p in points for name in getattr(p, attribute)})
            return {n: [getattr(p, attribute).get(n, 0) for p in points] for n in names}

        sources = series("sources")
        names = [authority_name(name) for name in sources]
        by_source = {label if names.count(label) == 1 else f"{label} ({name})": values
                     for label, (name, values) in zip(names, sources.items(), strict=True)}
        write_text(out / "chart-sources.svg", line_chart("Active addresses per source", times, by_source))
        write_text(out / "chart-chains.svg", line_chart("Active addresses per chain", times, series("chains")))
        for name, values in sources.items():
            write_text(out / "sources" / f"{name}.svg",
                       line_chart(f"Active addresses: {authority_name(name)}", times, {name: values}))

    def _write_sources(self, out: Path, addresses: list[FeedAddress]) -> None:
        counts = []
        for status in self.index.sources:
            rows = [(a, x, [(p, x.program_titles.get(p) or program_title(x.source, p)) for p in x.programs])
                    for a in addresses for x in a.listings if x.source == status.name and x.status == "active"]
            render("source.html", out / "sources" / f"{status.name}.html", title=authority_name(status.name),
                   up="../", status=status, rows=rows)
            counts.append((status, len({a.id for a, _, _ in rows})))
        render("sources.html", out / "sources" / "index.html", title="Sources", up="../", rows=counts)
