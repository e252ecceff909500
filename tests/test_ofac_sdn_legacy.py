"""The legacy OFAC CSV spider in-process, on the real files: sdn.csv joined with sdn_comments.csv."""

from __future__ import annotations

import csv
import re

from sanctions_feed.spiders.ofac_sdn_legacy import OfacSdnLegacySpider

from .conftest import real_fixture
from .spider_driver import drive


def crawl(folder, files: dict[str, bytes | None]):
    """Answer sdn.csv / sdn_comments.csv from `files` (None: the download fails)."""
    def answer(request):
        body = files.get(request.url.rsplit("/", 1)[-1])
        return None if body is None else (200, body)
    items, _ = drive(OfacSdnLegacySpider(location=str(folder)), answer)
    return items


def mentions(sdn_text: str, comments: dict[str, str]) -> set[tuple[str, str, str]]:
    """(ent_num, code, address) of every complete mention, read independently with a regex."""
    found = set()
    for row in csv.reader(sdn_text.splitlines()):
        if row:
            remarks = row[11] + comments.get(row[0], "")
            for code, address in re.findall(r"Digital Currency Address - (\w+) ([^;\s]+?)\.?(?:;|$)", remarks):
                found.add((row[0], code, address))
    return found


def test_trimmed_real_set_every_mention_with_its_holder():
    folder = real_fixture("ofac/legacy/2025-05-trimmed")
    sdn, comments = (folder / "sdn.csv").read_bytes(), (folder / "sdn_comments.csv").read_bytes()
    items = crawl(folder, {"sdn.csv": sdn, "sdn_comments.csv": comments})
    listings = [i["listing"] for i in items if "listing" in i]
    extra = {r[0]: r[1] for r in csv.reader(comments.decode("cp1252").splitlines()) if r}
    expected = mentions(sdn.decode("cp1252"), extra)
    assert {(x["source_record_id"], x["raw_label"], x["raw_address"]) for x in listings} == expected
    assert len(listings) == len(expected) == 32 and not any(x["truncated"] for x in listings)
    names = {r[0]: r[1] for r in csv.reader(sdn.decode("cp1252").splitlines()) if r}
    assert all(x["holder"]["name"] == names[x["source_record_id"]] for x in listings)
    snapshot = items[-1]["snapshot"]
    assert [p["url"].rsplit("/", 1)[-1] for p in snapshot["parts"]] == ["sdn.csv", "sdn_comments.csv"]


def test_without_comments_the_cut_address_is_truncated_and_cut_mentions_rejected():
    folder = real_fixture("ofac/legacy/2021-07-paired")
    items = crawl(folder, {"sdn.csv": (folder / "sdn.csv").read_bytes(), "sdn_comments.csv": None})
    listings = [i["listing"] for i in items if "listing" in i]
    cut = [x for x in listings if x["truncated"]]
    assert cut and all(x["source_record_id"] for x in cut)
    rejected = [i["rejected"] for i in items if "rejected" in i]
    assert all(r["reason"] in ("remark cut at 1000 characters", "unreadable digital currency remark") for r in rejected)
