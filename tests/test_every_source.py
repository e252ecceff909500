"""Every source, found by discovery, on its bundled sample, in process: a new source is tested the
moment its module and sample exist (and its README row, which the operator reads)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sanctions_feed.pipeline.guards import check_run
from sanctions_feed.pipeline.normalizing import normalize_listings
from sanctions_feed.schemas.source import RawListing, Rejected
from sanctions_feed.spiders import load_sources, source_names

from .spider_driver import drive

REPOSITORY = Path(__file__).parent.parent
SOURCES = load_sources()


def from_disk(request):
    """Answer a spider's request from the file its (file://) URL names: a sample, read as a
    replay is read; a file the sample lacks is a 404, as the live site answers one."""
    path = Path(unquote(urlsplit(request.url).path))
    return (200, path.read_bytes()) if path.is_file() else (404, b"<html><title>Not Found</title></html>")


def test_every_module_in_spiders_is_a_source_and_is_listed():
    modules = sorted(p.stem for p in (REPOSITORY / "spiders").glob("*.py") if p.stem != "__init__")
    assert list(SOURCES) == source_names() == modules


def sources_table() -> list[str]:
    """The rows of README's sources table (the one headed `| name | authority, list |`)."""
    lines = (REPOSITORY / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| name | authority, list |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_the_source_has_a_readme_row(name):
    rows = [row for row in sources_table() if row.startswith(f"| `{name}`")]
    assert len(rows) == 1, f"README.md's sources table needs one row for {name}"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_the_source_reads_its_sample_within_its_sample_bounds(name):
    spider_class = SOURCES[name]
    sample = spider_class.sample_path()
    assert sample is not None and sample.exists(), f"{name}: no bundled sample"
    items, _requests = drive(spider_class(location=str(sample)), from_disk)
    listings = [RawListing.model_validate(i["listing"]) for i in items if "listing" in i]
    rejected = [Rejected.model_validate(i["rejected"]) for i in items if "rejected" in i]
    snapshots = [i["snapshot"] for i in items if "snapshot" in i]
    assert len(snapshots) == 1 and snapshots[0]["records"] == len(listings) + len(rejected), snapshots
    found = normalize_listings(listings, unread=rejected)
    meta = spider_class.meta
    assert meta.sample_min <= len(found) <= meta.sample_max, (len(found), meta)
    check_run(name, meta, set(found), set(), force=False, input="sample")  # the update's own guard agrees
    assert all(listing.listing.source == name for listing in found.values())
