"""The update pipeline's steps, each alone: normalize -> guards -> store -> build; and the one
boundary where errors become messages."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from sanctions_feed.commands import cli
from sanctions_feed.pipeline.guards import GuardError, check_run
from sanctions_feed.pipeline.normalizing import normalize_listings
from sanctions_feed.pipeline.store import StoreError, current_listings, open_store, save_run
from sanctions_feed.publish.build import build_addresses, load_sources
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta, SourceSnapshot

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
META = SourceMeta(authority="A", title="T", url="https://example.org", schedule="0 * * * *", expected_min=1, expected_max=5)


def listing(record: str, address: str, label: str | None = None) -> RawListing:
    return RawListing(source="test", source_record_id=record, raw_address=address, raw_label=label,
                      holder=Holder(name=f"HOLDER {record}"))


def test_normalize_step_one_listing_per_address_with_every_asset_code():
    found = normalize_listings([
        listing("1", "0x901bb9583b24d97e995513c6778dc6888ab6870e", "ETH"),
        listing("1", "0x901bb9583b24d97e995513c6778dc6888ab6870e", "USDT"),
        listing("2", "0xc8fe1c81e927540fcc99ebb3c880a840082293da, TR2nTb64cQMx6tqFwisoC6o7barFWHhPiw"),
    ])
    assert list(found) == ["test|1|ethereum:0x901bb9583b24d97e995513c6778dc6888ab6870e",
                           "test|2|ethereum:0xc8fe1c81e927540fcc99ebb3c880a840082293da",
                           "test|2|tron:TR2nTb64cQMx6tqFwisoC6o7barFWHhPiw"]
    assert found["test|1|ethereum:0x901bb9583b24d97e995513c6778dc6888ab6870e"].assets == ("ETH", "USDT")


def test_guards_bounds_and_removed_share():
    assert check_run("test", META, {"a", "b", "c"}, {"a", "b", "c", "d"}, force=False) == {"d"}
    with pytest.raises(GuardError, match="0 listings, fewer than the 1 expected"):
        check_run("test", META, set(), set(), force=False)
    with pytest.raises(GuardError, match="6 listings, more than the 5 expected"):
        check_run("test", META, set("abcdef"), set(), force=False)
    with pytest.raises(GuardError, match="would remove 3 of 4 active listings"):
        check_run("test", META, {"a"}, set("abcd"), force=False)
    assert check_run("test", META, {"a"}, set("abcd"), force=True) == set("bcd")


def test_store_step_keeps_times_in_utc_and_build_reads_them_back(tmp_path):
    url = f"sqlite:///{tmp_path}/store.db"
    found = normalize_listings([listing("1", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "TRX")])
    snapshot = SourceSnapshot(source="test", url="https://example.org", fetched_at=NOW, as_of=date(2026, 11, 20),
                              sha256="0" * 64, records=1)
    local = datetime(2026, 11, 24, 13, 0, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Berlin"))  # UTC+1
    with Session(open_store(url)) as session:
        save_run(session, "test", snapshot, found, {}, [], {}, NOW.date(), local)
        session.commit()
    with Session(open_store(url)) as session:  # a fresh engine: nothing cached from the write
        (source,) = load_sources(session)
        assert source.last_checked == NOW and source.last_checked.tzinfo is not None
        assert json.loads(source.model_dump_json())["last_checked"] == "2026-11-24T12:00:00Z"
        assert list(current_listings(session, "test")) == list(found)
        (address,) = build_addresses(session, NOW.date())
    assert address.id == "tron:TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre" and address.listings[0].holder == "HOLDER 1"


@pytest.mark.parametrize(("url", "problem"), [
    ("nosuchdb://x", "not a usable database URL"),
    ("postgresql+nosuchdriver://localhost/x", "not a usable database URL"),
])
def test_a_store_url_we_cannot_use_is_a_store_error(url, problem):
    with pytest.raises(StoreError, match=problem):
        open_store(url)


def test_a_file_that_is_no_database_is_one_clear_line(tmp_path):
    junk = tmp_path / "feeds.db"
    junk.write_bytes(b"this is not a database" * 100)
    result = CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(tmp_path / "feeds"), "--db", f"sqlite:///{junk}"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: --db sqlite:///{junk}: cannot open the store: DatabaseError: ")
    assert len(result.output.strip().splitlines()) == 1


def test_a_corrupt_index_is_named_in_one_line(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "index.json").write_text('{"latest": 3}')
    result = CliRunner().invoke(cli, ["diff", "a", "latest", "--feeds", str(feeds)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {feeds / 'index.json'}: not a valid feed index (")


def test_a_bug_is_reported_as_one_and_shows_its_traceback_with_debug(tmp_path, monkeypatch):
    import sanctions_feed.pipeline.update

    def broken(*_args, **_kwargs):
        raise ValueError("an unexpected state")

    monkeypatch.setattr(sanctions_feed.pipeline.update, "run_update", broken)
    result = CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(tmp_path / "f")])
    assert result.exit_code == 70
    assert "Internal error (a bug in sanctions-feed): ValueError: an unexpected state" in result.output
    debug = CliRunner().invoke(cli, ["--debug", "update", "--samples", "--feeds", str(tmp_path / "f")])
    assert isinstance(debug.exception, ValueError) and debug.exit_code == 1


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01"])
def test_a_bad_now_is_a_usage_error_naming_the_option(tmp_path, value):
    result = CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(tmp_path / "f"), "--now", value])
    assert result.exit_code == 2 and "Invalid value for '--now'" in result.output


def test_an_explicit_now_before_the_latest_release_is_a_usage_error(tmp_path):
    feeds = tmp_path / "feeds"
    assert CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(feeds), "--now", "2026-11-24T12:00:00Z"]).exit_code == 0
    result = CliRunner().invoke(cli, ["update", "--samples", "--only", "ofac_sdn", "--feeds", str(feeds),
                                      "--now", "2026-11-20T12:00:00Z"])
    assert result.exit_code == 2
    assert "Invalid value for '--now': 2026-11-20T12:00:00Z is before the latest release 20261124T120000Z" in result.output


def test_version_ids_always_sort_after_the_latest(tmp_path):
    from sanctions_feed.publish.release import _version_id

    assert _version_id(NOW, tmp_path, None) == "20261124T120000Z"
    assert _version_id(NOW, tmp_path, "20261124T120000Z") == "20261124T120001Z"  # same second
    assert _version_id(NOW, tmp_path, "20261124T130000Z") == "20261124T130001Z"  # the clock went back
    assert _version_id(NOW, tmp_path, "20261124T120000Z-9") == "20261124T120001Z"  # an id of the old form
    ids = [None]
    for _ in range(12):  # a dozen releases in one second still sort as strings
        (tmp_path / "v").mkdir(exist_ok=True)
        ids.append(_version_id(NOW, tmp_path, ids[-1]))
        (tmp_path / "v" / ids[-1]).mkdir()
    assert ids[1:] == sorted(ids[1:]) and len(set(ids[1:])) == 12


def test_a_store_made_before_a_column_was_added_is_upgraded(tmp_path):
    import sqlite3

    url = f"sqlite:///{tmp_path}/old.db"
    open_store(url).dispose()
    with sqlite3.connect(tmp_path / "old.db") as db:  # as an early build of release 0.1 left it
        db.execute("DROP TABLE alembic_version")
        for column in ("warnings", "raw_parts", "signals", "last_release"):
            db.execute(f"ALTER TABLE sources DROP COLUMN {column}")
        db.execute("INSERT INTO sources (name, status) VALUES ('ofac_sdn', 'ok')")
    with Session(open_store(url)) as session:
        (source,) = load_sources(session)
    assert (source.name, source.warnings, source.raw_parts) == ("ofac_sdn", [], [])


def test_every_bundled_sample_falls_inside_its_sample_bounds(tmp_path):
    feeds = tmp_path / "feeds"
    for only in ([], ["--only", "ofac_sdn_legacy"]):
        result = CliRunner().invoke(cli, ["update", "--samples", *only, "--feeds", str(feeds), "--now", "2026-11-24T12:00:00Z"])
        assert result.exit_code == 0 and "refused" not in result.output, result.output


def test_bounds_depend_on_what_a_run_read(monkeypatch):
    from sanctions_feed.pipeline.guards import bounds
    from sanctions_feed.spiders import load_sources

    meta = load_sources()["ofac_sdn"].meta
    assert bounds("ofac_sdn", meta, "live") == (400, 5_000)  # 644 listings on 2024-09-27
    assert bounds("ofac_sdn", meta, "sample") == (10, 100)
    assert bounds("ofac_sdn", meta, "replay") == (1, 5_000)
    assert bounds("il_nbctf", load_sources()["il_nbctf"].meta, "live") == (1_000, 20_000)  # 1,732 wallets
    monkeypatch.setenv("SANCTIONS_FEED_BOUNDS", "il_nbctf=2:3, ofac_sdn=50:60")
    assert bounds("ofac_sdn", meta, "live") == bounds("ofac_sdn", meta, "replay") == (50, 60)
    monkeypatch.setenv("SANCTIONS_FEED_BOUNDS", "ofac_sdn=nonsense")
    with pytest.raises(GuardError, match="SANCTIONS_FEED_BOUNDS: 'ofac_sdn=nonsense' is not NAME=MIN:MAX"):
        bounds("ofac_sdn", meta, "live")


def test_a_live_run_far_below_the_source_bounds_is_refused_unless_forced(tmp_path, monkeypatch):
    """Through a site-local source whose live URL is a local file: bounds 5..10, the list has 2."""
    from .test_sources import ROWS, add_source

    directory = tmp_path / "sources"
    (directory / "samples").mkdir(parents=True)
    monkeypatch.setenv("SANCTIONS_FEED_SOURCES_PATH", str(directory))
    live = tmp_path / "live.json"
    live.write_text(json.dumps(ROWS))
    add_source(directory, "zz_bounded", url=live.as_uri())
    module = directory / "zz_bounded.py"
    module.write_text(module.read_text().replace("expected_min=1, expected_max=10", "expected_min=5, expected_max=10"))
    args = ["update", "--only", "zz_bounded", "--feeds", str(tmp_path / "feeds")]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert "zz_bounded: 2 listings, fewer than the 5 expected: refused (use --force" in refused.output
    assert CliRunner().invoke(cli, [*args, "--force"]).exit_code == 0
    replayed = CliRunner().invoke(cli, [*args, "--source", f"zz_bounded={live}", "--now", "2099-01-01T00:00:00Z"])
    assert replayed.exit_code == 0, replayed.output  # a replay of the same small list is the operator's choice
