"""The store, publish and history paths on both stores: SQLite (embedded) and PostgreSQL (the
production store). PostgreSQL tests run against `$SANCTIONS_FEED_TEST_POSTGRES` (default: the
project machines' server at 127.0.0.1:5432, database `test`), each in a schema of its own, and
are skipped with the reason when no server answers or the driver is not installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli

from .stores import new_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    return new_store(request.param, tmp_path, request)


def run(feeds: Path, db: str, *args, now: str = "2026-11-25T12:00:00Z"):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--db", db, "--now", now, *args])


def feed_files(feeds: Path) -> dict[str, bytes]:
    latest = feeds / "latest"
    return {str(p.relative_to(latest)): p.read_bytes() for p in sorted(latest.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


@pytest.mark.e2e
def test_both_stores_publish_byte_identical_feeds(tmp_path, request):
    published = {}
    for kind in ("sqlite", "postgresql"):
        feeds = tmp_path / kind / "feeds"
        result = run(feeds, new_store(kind, tmp_path, request), "--samples")
        assert result.exit_code == 0, result.output
        published[kind] = feed_files(feeds)
    assert published["sqlite"] == published["postgresql"]
    assert len(json.loads(published["postgresql"]["addresses.json"])["addresses"]) == 118


def test_history_events_and_a_run_without_change(tmp_path, store):
    feeds = tmp_path / "feeds"
    assert run(feeds, store, "--samples", now="2026-11-20T12:00:00Z").exit_code == 0
    again = run(feeds, store, "--samples", now="2026-11-20T13:00:00Z")
    assert again.exit_code == 0 and again.output.startswith("no change"), again.output
    # Japan withdraws a notice: delisted on its own date, with its event, in either store.
    import openpyxl

    from sanctions_feed.spiders.jp_mof import JpMofSpider

    workbook = openpyxl.load_workbook(JpMofSpider.sample_path())
    row = next(r for r in workbook["17.北朝鮮(協調；個人)"].iter_rows() if r[1].value == "79")
    row[0].value = "2026.11.24削除"  # after we saw it listed, before we read the withdrawal
    changed = tmp_path / "jp_mof.xlsx"
    workbook.save(changed)
    later = run(feeds, store, "--samples", "--source", f"jp_mof={changed}", now="2026-11-26T12:00:00Z")
    assert later.exit_code == 0 and later.output.startswith("published"), later.output
    removed = json.loads((feeds / "latest" / "changes.json").read_text())["removed"]
    assert len(removed) == 4 and all(r["chain"] == "bitcoin" for r in removed)
    listing = removed[0]["listings"][0]
    assert listing["delisted_on"] == "2026-11-24"
    assert [e["event"] for e in listing["events"]] == ["listed", "delisted"]


def test_a_lost_store_is_rebuilt_from_the_feed(tmp_path, store, request):
    feeds = tmp_path / "feeds"
    assert run(feeds, store, "--samples").exit_code == 0
    fresh = new_store("postgresql" if store.startswith("postgresql") else "sqlite", tmp_path, request)
    foreign = run(feeds, fresh, "--samples", now="2026-11-25T13:00:00Z")
    assert foreign.exit_code == 1 and "the store is empty" in foreign.output
    rebuilt = CliRunner().invoke(cli, ["rebuild-store", "--feeds", str(feeds), "--db", fresh])
    assert rebuilt.exit_code == 0, rebuilt.output
    again = run(feeds, fresh, "--samples", now="2026-11-25T14:00:00Z")
    assert again.exit_code == 0 and again.output.startswith("no change"), again.output
