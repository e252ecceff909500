"""The static site in the feed directory (`site/`), rebuilt with every release: an index of
releases with charts of active addresses per source and per chain, a page per release with its
changes in a sortable, filterable table, and a page per source.

Every link is relative and every resource is in `site/` (a stylesheet, a script, SVG charts made
here), so the site works from `serve`, from object storage and from a `file://` open, offline.
Names keep their script and direction: cells are `dir="auto"` and names are isolated (`<bdi>`).
"""

from __future__ import annotations

import os
import shutil
from html import escape
from importlib import resources
from pathlib import Path

from sanctions_feed.schemas.feed import AddressesFile, ChangesFile, FeedAddress, IndexVersion
from sanctions_feed.schemas.release import IndexFile, Manifest

from .chart import line_chart
from .html import CSP_META, external_link

SITE = "site"
ASSETS = ("site.css", "site.js")
GENERATOR = "sanctions-feed site 2"
"""Named in every page: a release's page is kept from the previous site while this is unchanged
(its content is the release's own, which never changes), and written anew when the pages change."""


def _t(value) -> str:
    return escape("" if value is None else str(value))


def _page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'{CSP_META}<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="{GENERATOR}"><title>{_t(title)} - sanctions-feed</title>'
            f'<link rel="stylesheet" href="{up}site.css"><script src="{up}site.js" defer></script></head>'
            f'<body><nav><a href="{up}index.html">Releases</a><a href="{up}sources/index.html">Sources</a>'
            f'<a href="{up}../index.json">index.json</a><a href="{up}../changes.atom">Atom feed</a></nav>'
            f"{body}</body></html>\n")


def _filter(table_id: str) -> str:
    return (f'<div class="filter"><label>Filter <input type="search" data-table="{table_id}" '
            f'data-count="{table_id}-count" placeholder="address, holder, program, source..."></label>'
            f'<span class="count" id="{table_id}-count"></span></div>')


def _holders(address: FeedAddress) -> str:
    names = sorted({listing.holder for listing in address.listings if listing.holder})
    return "<br>".join(f"<bdi>{_t(name)}</bdi>" for name in names) or '<span class="muted">-</span>'


def _records(address: FeedAddress, up: str) -> str:
    out = []
    for listing in address.listings:
        record = _t(listing.source_record_id)
        out.append(f'<a href="{up}sources/{_t(listing.source)}.html">{_t(listing.source)}</a> '
                   + external_link(listing.source_url, record))
    return "<br>".join(out)


def _dates(address: FeedAddress) -> tuple[str, str]:
    listed = sorted({str(x.listed_on or x.first_seen) for x in address.listings})
    ends = sorted({f"delisted {x.delisted_on}" if x.delisted_on else f"until {x.valid_until}"
                   for x in address.listings if x.delisted_on or x.valid_until})
    return "<br>".join(listed), "<br>".join(_t(e) for e in ends)


ROW_HEAD = ("<thead><tr><th>change</th><th>chain</th><th>address</th><th>holder</th><th>programs</th>"
            "<th>source and official record</th><th>listed</th><th>ends</th><th>status</th></tr></thead>")


def _row(change: str, address: FeedAddress, up: str, note: str = "") -> str:
    listed, ends = _dates(address)
    shown = address.display + (f" tag {address.tag}" if address.tag else "")
    programs = "<br>".join(f"<bdi>{_t(p)}</bdi>" for p in sorted({p for x in address.listings for p in x.programs}))
    verdict = f' <span class="invalid">{_t(address.validity)}</span>' if address.validity == "invalid" else ""
    return (f'<tr><td class="{_t(change)}">{_t(change)}{f"<br><span class=muted>{_t(note)}</span>" if note else ""}'
            f"</td><td>{_t(address.chain)}{' / ' + _t(address.platform) if address.platform else ''}</td>"
            f'<td data-sort="{_t(address.address)}"><code>{_t(shown)}</code><button class="copy" type="button" '
            f'data-copy="{_t(address.display)}" title="copy the address">copy</button>{verdict}</td>'
            f'<td dir="auto">{_holders(address)}</td><td dir="auto">{programs}</td><td>{_records(address, up)}</td>'
            f'<td>{listed}</td><td>{ends}</td><td class="{_t(address.status)}">{_t(address.status)}</td></tr>')


def changes_table(table_id: str, changes: ChangesFile, up: str) -> str:
    rows = [_row("added", a, up) for a in changes.added] + [_row("removed", a, up) for a in changes.removed]
    rows += [_row("changed", c.after, up, ", ".join(c.fields)) for c in changes.changed]
    if not rows:
        return '<p class="muted">No changes in this release (a renewal).</p>'
    return f'{_filter(table_id)}<table class="data" id="{table_id}">{ROW_HEAD}<tbody>{"".join(rows)}</tbody></table>'


def _source_counts(entry: IndexVersion, manifest: Manifest | None, up: str = "") -> str:
    as_of = {s.name: s.as_of for s in manifest.sources} if manifest else {}
    parts = []
    for name in sorted(set(entry.by_source) | set(as_of)):
        counts = entry.by_source.get(name)
        change = f" +{counts.added} −{counts.removed} ~{counts.changed}" if counts else ""
        parts.append(f'<a href="{up}sources/{_t(name)}.html">{_t(name)}</a>'
                     f"{' as of ' + _t(as_of[name]) if as_of.get(name) else ''}{_t(change)}")
    return "<br>".join(parts)


class Site:
    """Reads the feed's releases and writes `site/` whole, in place of the old one."""

    def __init__(self, feeds: Path, index: IndexFile, latest_changes: ChangesFile | None = None,
                 latest_addresses: list[FeedAddress] | None = None):
        """`latest_*`: the latest release's changes and addresses when the caller has them in
        memory (else they are read from the release)."""
        self.feeds, self.index = feeds, index
        self.latest_changes, self.latest_addresses = latest_changes, latest_addresses

    def _release(self, version: str, name: str, model):
        path = self.feeds / "v" / version / name
        return model.model_validate_json(path.read_bytes()) if path.is_file() else None

    def write(self) -> Path:
        tmp = self.feeds / f".tmp-site-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "releases").mkdir(parents=True)
        (tmp / "sources").mkdir()
        try:
            for asset in ASSETS:
                (tmp / asset).write_bytes(resources.files(__package__).joinpath("assets", asset).read_bytes())
            self._write_pages(tmp)
            old = self.feeds / f".tmp-site-old-{os.getpid()}"
            if (self.feeds / SITE).is_dir():
                os.rename(self.feeds / SITE, old)
            os.rename(tmp, self.feeds / SITE)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.feeds / SITE

    def _write_pages(self, out: Path) -> None:
        versions = self.index.versions
        manifests = {v.id: self._release(v.id, "manifest.json", Manifest) for v in versions}
        latest_changes = None
        marker = f'<meta name="generator" content="{GENERATOR}">'.encode()
        for entry in versions:
            page = out / "releases" / f"{entry.id}.html"
            kept = self.feeds / SITE / "releases" / page.name
            if entry.id != self.index.latest and kept.is_file() and marker in kept.read_bytes()[:1024]:
                shutil.copyfile(kept, page)
                continue
            changes = self.latest_changes if entry.id == self.index.latest and self.latest_changes else \
                self._release(entry.id, "changes.json", ChangesFile)
            if changes is None:
                continue
            if entry.id == self.index.latest:
                latest_changes = changes
            body = (f"<h1>Release {_t(entry.id)}</h1><p>Published {entry.created_at:%Y-%m-%d %H:%M}Z; changes since "
                    f"{_t(entry.previous or 'nothing (first release)')}: {entry.added} added, {entry.removed} removed, "
                    f"{entry.changed} changed; {entry.active} active addresses. Files: "
                    + ", ".join(f'<a href="../../v/{_t(entry.id)}/{n}">{n}</a>'
                                for n in ("changes.csv", "changes.json", "addresses.csv", "entities.ftm.json",
                                          "manifest.json"))
                    + f"</p><h2>Sources</h2><p>{_source_counts(entry, manifests[entry.id], '../')}</p>"
                    f"<h2>Changes</h2>{changes_table('changes', changes, '../')}")
            page.write_text(_page(f"Release {entry.id}", body, 1), encoding="utf-8")
        self._write_charts(out)
        self._write_sources(out)
        rows = "".join(
            f'<tr><td><a href="releases/{_t(v.id)}.html">{_t(v.id)}</a></td><td>{v.created_at:%Y-%m-%d %H:%M}Z</td>'
            f"<td>{v.active}</td><td>{v.added}</td><td>{v.removed}</td><td>{v.changed}</td>"
            f"<td>{_source_counts(v, manifests[v.id])}</td></tr>" for v in reversed(versions))
        latest = (f'<h2>Changes in the latest release, <a href="releases/{_t(self.index.latest)}.html">'
                  f"{_t(self.index.latest)}</a></h2>{changes_table('latest-changes', latest_changes, '')}"
                  if latest_changes is not None else "")
        body = ("<h1>sanctions-feed: crypto addresses on official sanctions lists</h1>"
                f"<p>{len(versions)} releases; updated {self.index.updated_at:%Y-%m-%d %H:%M}Z. "
                'Machine-readable: <a href="../latest/addresses.csv">latest/addresses.csv</a>, '
                '<a href="../latest/addresses.json">addresses.json</a>, <a href="../index.json">index.json</a>.</p>'
                '<h2>Active addresses over time</h2><div class="charts">'
                '<img src="chart-sources.svg" alt="active addresses per source over time">'
                '<img src="chart-chains.svg" alt="active addresses per chain over time"></div>'
                + latest +
                '<h2>Releases</h2>' + _filter("releases") + '<table class="data" id="releases"><thead><tr>'
                "<th>release</th><th>published</th><th>active</th><th>added</th><th>removed</th><th>changed</th>"
                f"<th>sources: as of, +added −removed ~changed</th></tr></thead><tbody>{rows}</tbody></table>")
        (out / "index.html").write_text(_page("Releases", body, 0), encoding="utf-8")

    def _series(self, attribute: str) -> dict[str, list[int | None]]:
        versions = [v for v in self.index.versions if v.by_source or v.active_by_chain]
        names = sorted({name for v in versions for name in getattr(v, attribute)})
        if attribute == "by_source":
            return {n: [v.by_source[n].active if n in v.by_source else 0 for v in versions] for n in names}
        return {n: [v.active_by_chain.get(n, 0) for v in versions] for n in names}

    def _write_charts(self, out: Path) -> None:
        times = [v.created_at for v in self.index.versions if v.by_source or v.active_by_chain]
        (out / "chart-sources.svg").write_text(
            line_chart("Active addresses per source", times, self._series("by_source")), encoding="utf-8")
        (out / "chart-chains.svg").write_text(
            line_chart("Active addresses per chain", times, self._series("active_by_chain")), encoding="utf-8")
        for name, values in self._series("by_source").items():
            (out / "sources" / f"{name}.svg").write_text(
                line_chart(f"Active addresses of {name}", times, {name: values}), encoding="utf-8")

    def _write_sources(self, out: Path) -> None:
        addresses = self.latest_addresses
        if addresses is None:
            latest = self._release(self.index.latest, "addresses.json", AddressesFile) if self.index.latest else None
            addresses = latest.addresses if latest else []
        items = []
        for status in self.index.sources:
            name = status.name
            mine = [a for a in addresses if any(x.source == name and x.status == "active" for x in a.listings)]
            rows = "".join(_row(a.status, a, "../") for a in mine)
            warnings = "".join(f"<li>{_t(w)}</li>" for w in status.warnings)
            official = external_link(status.url, _t(status.url)) if status.url else "-"
            body = (f"<h1>Source {_t(name)}</h1><p>Official list: {official}</p>"
                    f"<table><tbody><tr><th>last run</th><td>{_t(status.status)}</td></tr>"
                    f"<tr><th>list as of</th><td>{_t(status.as_of)}</td></tr>"
                    f"<tr><th>last fetched</th><td>{_t(status.fetched_at)}</td></tr>"
                    f"<tr><th>last checked</th><td>{_t(status.last_checked)}</td></tr>"
                    f"<tr><th>last changed</th><td>{_t(status.last_changed)}</td></tr>"
                    f"<tr><th>records</th><td>{_t(status.records)}</td></tr>"
                    f"<tr><th>error</th><td>{_t(status.error or '')}</td></tr></tbody></table>"
                    + (f"<h2>Warnings</h2><ul>{warnings}</ul>" if warnings else "")
                    + f'<h2>Active addresses over time</h2><div class="charts"><img src="{_t(name)}.svg" '
                    f'alt="active addresses of {_t(name)} over time"></div>'
                    f"<h2>Active addresses ({len(mine)})</h2>{_filter('addresses')}"
                    f'<table class="data" id="addresses">{ROW_HEAD.replace("change", "status now", 1)}'
                    f"<tbody>{rows}</tbody></table>")
            (out / "sources" / f"{name}.html").write_text(_page(f"Source {name}", body, 1), encoding="utf-8")
            items.append(f'<tr><td><a href="{_t(name)}.html">{_t(name)}</a></td><td>{_t(status.status)}</td>'
                         f"<td>{_t(status.as_of)}</td><td>{len(mine)}</td></tr>")
        body = ("<h1>Sources</h1><table class=\"data\" id=\"sources\"><thead><tr><th>source</th><th>last run</th>"
                f"<th>as of</th><th>active addresses</th></tr></thead><tbody>{''.join(items)}</tbody></table>")
        (out / "sources" / "index.html").write_text(_page("Sources", body, 1), encoding="utf-8")
