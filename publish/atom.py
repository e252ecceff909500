"""changes.atom at the feed root: an Atom feed (RFC 4287) with one entry per release, newest first,
so that a feed reader or a compliance team's inbox hears of every list update."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from sanctions_feed.schemas.authorities import authority_name
from sanctions_feed.schemas.feed import IndexVersion
from sanctions_feed.schemas.release import IndexFile

from .settings import Publishing

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 500
"""The newest releases only: a reader polls often; the whole history is in index.json."""


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(parent, href: str, rel: str, kind: str) -> None:
    etree.SubElement(parent, f"{{{ATOM}}}link", href=href, rel=rel, type=kind)


def _summary(release: IndexVersion) -> str:
    if release.previous is not None and not (release.added or release.removed or release.changed):
        # A renewal before expiry, or a change to the rejected records alone.
        return f"No address changed since {release.previous} ({release.active} active addresses)."
    return (f"{release.added} added, {release.removed} removed, {release.changed} changed; "
            f"{release.active} active addresses of {release.addresses}.")


class ChangesAtom:
    FILE_NAME = "changes.atom"
    MIME_TYPE = "application/atom+xml"

    @staticmethod
    def render(index: IndexFile, publishing: Publishing) -> bytes:
        """Links as `Publishing.link` makes them (absolute under the feed's public URL, if any)."""
        link = publishing.link
        feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
        identity = link(ChangesAtom.FILE_NAME) if publishing.feed_url else "urn:sanctions-feed:changes"
        etree.SubElement(feed, f"{{{ATOM}}}id").text = identity
        etree.SubElement(feed, f"{{{ATOM}}}title").text = "sanctions-feed: list updates"
        releases = sorted(index.versions, key=lambda v: v.id, reverse=True)[:MAX_ENTRIES]
        etree.SubElement(feed, f"{{{ATOM}}}updated").text = _time(releases[0].created_at if releases else index.updated_at)
        author = etree.SubElement(feed, f"{{{ATOM}}}author")
        etree.SubElement(author, f"{{{ATOM}}}name").text = "sanctions-feed"
        _link(feed, link(ChangesAtom.FILE_NAME), "self", ChangesAtom.MIME_TYPE)
        _link(feed, link("index.json"), "alternate", "application/json")
        for release in releases:
            entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
            etree.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:sanctions-feed:release:{release.id}"
            changed_by = sorted({authority_name(name) for name, counts in release.by_source.items()
                                 if counts.added + counts.removed + counts.changed})
            etree.SubElement(entry, f"{{{ATOM}}}title").text = (
                f"Release {release.id}: +{release.added} -{release.removed} ~{release.changed}"
                + (f" ({', '.join(changed_by)})" if changed_by else ""))
            etree.SubElement(entry, f"{{{ATOM}}}updated").text = _time(release.created_at)
            _link(entry, link(f"v/{release.id}/changes.html"), "alternate", "text/html")
            _link(entry, link(f"v/{release.id}/changes.json"), "related", "application/json")
            _link(entry, link(f"v/{release.id}/changes.csv"), "related", "text/csv")
            etree.SubElement(entry, f"{{{ATOM}}}summary").text = _summary(release)
        return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
