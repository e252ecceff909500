"""US FBI and IC3 public notices that name addresses controlled by North Korean cyber actors.

The notices are one-off HTML pages, often behind a bot check, with no feed and no withdrawal.
So the source's data is a reviewed registry, `data/us_fbi.json`: per notice its URL, date,
title, holder, and the addresses as published, with where they were transcribed from. Each
address is a listing; a notice is never delisted (it stays in the registry for good).

Live, each notice's page is fetched when it can be: a page that no longer lists exactly the
registry's addresses is a warning to review the registry; a page that cannot be had (a bot
check, an error) is a warning too, and the registry still publishes. A replay reads another
registry file of the same shape; its notices may name a saved copy of their page (`page`, a
path relative to the registry), which is then checked instead of the live page.

Record id: the notice's URL. Programs: the notice. Listed on: its date. Link: the notice.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.documents import refusal
from .framework.download import Document, DownloadError
from .framework.onefile import OneFileSpider

PAGE_MAX_BYTES = 8 * 1024**2
PAGE_DEADLINE = 120.0
REGISTRY = Path(__file__).resolve().parent / "data" / "us_fbi.json"
NOTICE_FIELDS = {"id", "authority", "date", "url", "title", "holder", "label", "addresses", "transcribed_from", "page"}
# What a notice page's addresses look like, per label; the registry is compared with them.
# Addresses on a notice's page, however glued to their surroundings (CJK text, brackets, a link's
# path): bounded by any character that is no ASCII letter or digit, not by a word boundary.
_EDGE, _END = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
PAGE_ADDRESSES = {
    "ETH": re.compile(_EDGE + r"0x[0-9a-fA-F]{40}" + _END),
    "BTC": re.compile(_EDGE + r"(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71})" + _END),
    "TRX": re.compile(_EDGE + r"T[1-9A-HJ-NP-Za-km-z]{33}" + _END),
}
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


class UsFbiSpider(OneFileSpider):
    name = "us_fbi"
    sample = "../data/us_fbi.json"  # the registry is its own sample: there is no other format
    document_kind = "JSON"
    meta = SourceMeta(authority=AUTHORITIES["us_fbi"].name, title="Public notices naming DPRK-controlled addresses",
                      url=REGISTRY.as_uri(), public_url="https://www.ic3.gov/PSA", schedule="50 6 * * *",
                      # 57 addresses in two notices (Nov 2026); the registry only grows.
                      expected_min=57, expected_max=10_000, sample_min=57, sample_max=10_000)

    def parse_file(self, document: Document, url: str):
        """Every notice's listings and the snapshot, then a check of each notice's page."""
        registry = self.parse_json(document.read(), url)
        notices = registry.get("notices") if isinstance(registry, dict) else None
        if not isinstance(notices, list) or not notices or not all(isinstance(n, dict) for n in notices):
            raise self.fail(url, 'not a registry of notices: expected {"notices": [{...}, ...]}')
        listings, dates = [], []
        for notice in notices:
            try:
                dates.append(date.fromisoformat(notice["date"]))
                listings += self.parse_notice(notice, dates[-1])
            except (KeyError, ValueError, TypeError) as exc:  # our own reviewed data: any flaw stops the run
                raise self.fail(url, f"notice {notice.get('id', '?')}: {exc!r}") from None
        yield from listings
        yield self.snapshot(url, max(dates), len(listings))
        for notice in notices:
            page = self.page_url(notice, url)
            if page:
                self.check_page(page, notice)

    def parse_notice(self, notice: dict, published: date) -> list[dict]:
        self.audit(f"notice {notice.get('id')}", {k: v for k, v in notice.items() if k not in NOTICE_FIELDS})
        addresses = notice["addresses"]
        if not isinstance(addresses, list) or not addresses or len(set(addresses)) != len(addresses):
            raise ValueError("addresses must be a non-empty list without repeats")
        holder = Holder.model_validate(notice.get("holder") or {})
        program = f"{notice['authority']} notice {notice['id']}: {notice['title']}"
        return [{"listing": RawListing(
            source=self.name, source_record_id=notice["url"], raw_address=address, raw_label=notice["label"],
            holder=holder, programs=[program], listed_on=published, source_url=notice["url"],
        ).model_dump(mode="json")} for address in addresses]

    def page_url(self, notice: dict, registry_url: str) -> str | None:
        """The page to check a notice against: live, the notice itself; in a replay, its saved copy."""
        if notice.get("page"):
            return urljoin(registry_url, notice["page"])
        return notice["url"] if self.location is None else None

    def check_page(self, page: str, notice: dict) -> None:
        """A warning when the notice's page cannot be had, or lists other addresses than the registry."""
        try:
            answer = self.download(page, to_memory=True, max_bytes=PAGE_MAX_BYTES, deadline=PAGE_DEADLINE, retries=1)
        except DownloadError as exc:
            self.logger.warning("notice %s: page not checked (%s): %s", notice["id"], exc, page)
            return
        self.compare_page(answer.read(), answer.status, answer.url, notice)

    def compare_page(self, body: bytes, status: int, url: str, notice: dict) -> None:
        """The notice's page read against the registry's addresses for it (a warning if they differ)."""
        problem = refusal(body, status, "HTML")
        if problem:
            self.logger.warning("notice %s: page not checked (%s): %s", notice["id"], problem, url)
            return
        text = _folded(unescape(_TAGS.sub(" ", body.decode("utf-8", "replace"))))
        # Hex addresses are compared without case: a page may print them in lower case.
        key = str.lower if notice["label"] == "ETH" else str
        pattern = PAGE_ADDRESSES.get(notice["label"])
        on_page = {key(a) for a in (pattern.findall(text) if pattern else [a for a in notice["addresses"] if a in text])}
        registry = {key(a) for a in notice["addresses"]}
        missing, extra = sorted(registry - on_page), sorted(on_page - registry)
        if missing or extra:
            self.logger.warning("notice %s: the page differs from the registry (%d missing from the page%s; "
                                "%d on the page only%s): review data/us_fbi.json", notice["id"], len(missing),
                                f", e.g. {missing[0]}" if missing else "", len(extra), f", e.g. {extra[0]}" if extra else "")
        else:
            self.logger.info("notice %s: the page lists the registry's %d addresses", notice["id"], len(registry))


def _folded(text: str) -> str:
    """The page's text as read: full-width letters and digits as ASCII (NFKC), invisible
    characters (zero-width, soft hyphen) removed."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")
