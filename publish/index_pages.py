"""index.json kept bounded: the newest releases stay in its `versions`, older ones move to yearly
pages (`index/<year>.json`) that its `archives` lists with their sha256. A reader of the recent
releases (`check`, a replica, a puller) reads one small file however long the history; a reader
of the whole history (`verify --all`, `check --on` an old day) follows `archives`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from itertools import groupby
from pathlib import Path

from sanctions_feed.schemas.feed import IndexArchive, IndexPage, IndexVersion

from .reading import local_reader, read_page
from .writers import json_bytes

INDEX_RECENT = 100
"""Releases index.json keeps after a move to the yearly pages."""
INDEX_MOST = 2 * INDEX_RECENT
"""Releases index.json may hold before the oldest move: in batches, so that a page is rewritten
once per INDEX_RECENT releases, not at every release."""
PAGES = "index"


def page_path(year: str) -> str:
    return f"{PAGES}/{year}.json"


def bounded(feeds: Path, archives: list[IndexArchive], versions: list[IndexVersion],
            write_bytes: Callable[[Path, bytes], None]) -> tuple[list[IndexArchive], list[IndexVersion]]:
    """(archives, versions) for index.json: unchanged while versions fit, else the oldest moved to
    their year's page (written whole before index.json names it; the pages of other years stay)."""
    if len(versions) <= INDEX_MOST:
        return archives, versions
    moved, kept = versions[:-INDEX_RECENT], versions[-INDEX_RECENT:]
    by_year = {a.year: a for a in archives}
    (feeds / PAGES).mkdir(exist_ok=True)
    for year, group in groupby(moved, key=lambda v: v.id[:4]):
        held = read_page(by_year[int(year)], local_reader(feeds), feeds) if int(year) in by_year else []
        arrived = list(group)
        ids = {v.id for v in arrived}
        merged = sorted([v for v in held if v.id not in ids] + arrived, key=lambda v: v.id)
        data = json_bytes(IndexPage(year=int(year), versions=merged).model_dump(mode="json"))
        write_bytes(feeds / page_path(year), data)
        by_year[int(year)] = IndexArchive(year=int(year), path=page_path(year), releases=len(merged),
                                          first=merged[0].id, last=merged[-1].id,
                                          sha256=hashlib.sha256(data).hexdigest())
    return [by_year[y] for y in sorted(by_year)], kept

