"""The human page of a release: what was added, removed or changed, why, and from which official
record. Plain HTML with inline style, no scripts: it opens anywhere, including offline."""

from __future__ import annotations

from html import escape
from pathlib import Path

from sanctions_feed.schemas.feed import ChangesFile, FeedAddress
from sanctions_feed.schemas.links import public_link

CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; base-uri 'none'; form-action 'none'")
"""Every page we publish (the site, changes.html): scripts only from the page's own files, never
inline, from data: or a javascript: link. `serve` sends it as a header too, with frame-ancestors
(which a <meta> cannot carry)."""
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'


def external_link(url: str | None, text: str) -> str:
    """`text` (already escaped) linked to an official page, or alone when the URL is not http(s)."""
    link = public_link(url)
    return f'<a href="{escape(link)}" rel="noopener noreferrer">{text}</a>' if link else text

STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}code{font-size:.92em;word-break:break-all}.muted{color:#666}
.active{color:#0a6b2b}.delisted,.expired{color:#a33}.invalid{color:#a33;font-weight:600}"""


def _text(value) -> str:
    return escape("" if value is None else str(value))


def _address_row(address: FeedAddress, note: str = "") -> str:
    listings = "<br>".join(external_link(listing.source_url, f"{_text(listing.source)} {_text(listing.source_record_id)}")
                           for listing in address.listings)
    holders = "<br>".join(sorted({_text(listing.holder) for listing in address.listings if listing.holder})) or '<span class="muted">-</span>'
    programs = ", ".join(sorted({_text(p) for listing in address.listings for p in listing.programs}))
    dates = "<br>".join(f"{_text(listing.listed_on or '?')} → {_text(listing.valid_until or '')}" for listing in address.listings)
    validity = f'<span class="invalid">{_text(address.validity)}</span>' if address.validity == "invalid" \
        else _text(address.validity)
    issues = f'<br><span class="muted">{_text(", ".join(address.issues))}</span>' if address.issues else ""
    return (f"<tr><td><code>{_text(address.display)}</code></td><td>{_text(address.chain)}"
            f"{' / ' + _text(address.platform) if address.platform else ''}</td>"
            f'<td class="{_text(address.status)}">{_text(address.status)}</td><td>{holders}</td>'
            f"<td>{programs}</td><td>{dates}</td><td>{listings}</td><td>{validity}{issues}</td>"
            f"<td>{_text(note)}</td></tr>")


def _section(title: str, rows: list[str]) -> str:
    if not rows:
        return f"<h2>{title} (0)</h2><p class=muted>None.</p>"
    head = ("<tr><th>address</th><th>chain</th><th>status</th><th>holder</th><th>programs</th>"
            "<th>listed → valid until</th><th>official record</th><th>verdict</th><th>changed</th></tr>")
    return f"<h2>{title} ({len(rows)})</h2><table>{head}{''.join(rows)}</table>"


class ChangesHtml:
    FILE_NAME = "changes.html"

    def write(self, directory: Path, version: str, changes: ChangesFile, sources, **_) -> int:
        source_rows = "".join(
            f"<tr><td>{_text(s.name)}</td><td>{_text(s.as_of)}</td><td>{_text(s.status)}</td>"
            f"<td>{_text(s.last_checked)}</td><td>{_text(s.error or '')}</td></tr>" for s in sources)
        body = (
            f"<h1>Release {_text(version)}</h1>"
            f"<p>Changes since {_text(changes.from_ or 'nothing (first release)')}: "
            f"{len(changes.added)} added, {len(changes.removed)} removed, {len(changes.changed)} changed. "
            f'Machine-readable: <a href="changes.csv">changes.csv</a>, <a href="changes.json">changes.json</a>, '
            f'<a href="addresses.csv">addresses.csv</a>.</p>'
            "<h2>Sources</h2><table><tr><th>source</th><th>as of</th><th>status</th><th>last checked</th>"
            f"<th>error</th></tr>{source_rows}</table>"
            + _section("Added", [_address_row(a) for a in changes.added])
            + _section("Removed", [_address_row(a) for a in changes.removed])
            + _section("Changed", [_address_row(c.after, ", ".join(c.fields)) for c in changes.changed])
        )
        page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{CSP_META}<title>sanctions-feed {_text(version)}'
                f"</title><style>{STYLE}</style></head><body>{body}</body></html>\n")
        (directory / self.FILE_NAME).write_text(page, encoding="utf-8")
        return len(changes.added) + len(changes.removed) + len(changes.changed)
