"""Files a puller can rely on: every chain list once published stays (empty when nothing is
active), and no published file names the operator's local paths as the official list."""

from __future__ import annotations

import json
from datetime import date

from sanctions_feed.publish.build import published_source
from sanctions_feed.publish.lists import ChainLists
from sanctions_feed.schemas.status import SourceStatus

from .test_screening import OFAC_BTC, OFAC_ETH, listed

XMR = "888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H"


def written(tmp_path, name, addresses, published=()):
    directory = tmp_path / name
    directory.mkdir()
    counts = ChainLists().write_all(directory, addresses, published)
    return directory / "chains", counts


def test_a_chain_with_nothing_active_keeps_its_list_empty_with_0_rows(tmp_path):
    active = [listed(OFAC_BTC, "XBT"), listed(OFAC_ETH, "ETH"), listed(XMR, "XMR")]
    chains, counts = written(tmp_path, "first", active)
    assert (chains / "monero.txt").read_text() == XMR + "\n" and counts["chains/monero.txt"] == 1
    delisted = [active[0], active[1], listed(XMR, "XMR", status="delisted")]
    chains, counts = written(tmp_path, "second", delisted, published=list(counts))
    assert (chains / "monero.txt").read_text() == "" and counts["chains/monero.txt"] == 0
    assert counts["chains/bitcoin.txt"] == 1 and counts["chains/evm.txt"] == 1


def test_a_list_the_previous_release_published_stays_even_when_no_address_names_its_chain(tmp_path):
    chains, counts = written(tmp_path, "next", [listed(OFAC_BTC, "XBT")],
                             published=["chains/dogecoin.txt", "chains/tagged/xrp.txt", "addresses.json"])
    assert (chains / "dogecoin.txt").read_text() == "" and (chains / "tagged" / "xrp.txt").read_text() == ""
    assert set(counts) == {"chains/bitcoin.txt", "chains/dogecoin.txt", "chains/tagged/xrp.txt"}


def test_an_invalid_address_makes_no_list_entry_but_its_chain_has_a_list(tmp_path):
    bad = listed(OFAC_BTC[:-1] + ("a" if OFAC_BTC[-1] != "a" else "b"), "XBT")
    assert bad.validity == "invalid"
    chains, counts = written(tmp_path, "bad", [bad])
    assert counts == {"chains/bitcoin.txt": 0}


def test_a_replayed_or_bundled_file_is_published_by_name_and_sha256_only():
    status = SourceStatus(name="us_fbi", url="file:///opt/venv/lib/sanctions_feed/spiders/data/us_fbi.json",
                          raw_parts=[{"url": "file:///opt/venv/lib/sanctions_feed/spiders/data/us_fbi.json",
                                      "sha256": "ab" * 32, "bytes": 10},
                                     {"url": "https://www.ic3.gov/PSA/2025/PSA250226", "sha256": "cd" * 32, "bytes": 5}],
                          signals={"url": "file:///home/op/replay/us_fbi.json", "code": "x"})
    public = published_source(status)
    assert public.url is None
    assert public.raw_parts == [{"file": "us_fbi.json", "sha256": "ab" * 32, "bytes": 10},
                                {"url": "https://www.ic3.gov/PSA/2025/PSA250226", "sha256": "cd" * 32, "bytes": 5}]
    assert public.signals == {"code": "x"}


def test_no_published_file_names_a_local_path_and_every_source_url_is_public(sample_feed):
    index = json.loads((sample_feed / "index.json").read_text(encoding="utf-8"))
    assert {s["name"]: s["url"].split(":")[0] for s in index["sources"]} == {s["name"]: "https" for s in index["sources"]}
    fbi = next(s for s in index["sources"] if s["name"] == "us_fbi")
    assert fbi["url"] == "https://www.ic3.gov/PSA" and fbi["raw_parts"][0]["file"] == "us_fbi.json"
    here = str(sample_feed.parents[2])
    for path in sample_feed.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".html", ".xml", ".txt"):
            text = path.read_text(encoding="utf-8")
            assert "file://" not in text and here not in text, path
    listings = json.loads((sample_feed / "latest" / "addresses.json").read_text())["addresses"]
    fbi_urls = {x["source_url"] for a in listings for x in a["listings"] if x["source"] == "us_fbi"}
    assert fbi_urls and all(u.startswith("https://") for u in fbi_urls)
    assert date.fromisoformat(index["versions"][0]["created_at"][:10]) == date(2026, 11, 24)


def shared_address(eu_status: str = "active"):
    """One address named by an OFAC record and an EU record."""
    address = listed(OFAC_BTC, "XBT")
    ofac = address.listings[0].model_copy(update={"source": "ofac_sdn", "source_record_id": "33151"})
    eu = ofac.model_copy(update={"source": "eu_fsf", "source_record_id": "EU.1", "status": eu_status,
                                 "delisted_on": date(2026, 11, 25) if eu_status == "delisted" else None})
    return address.model_copy(update={"listings": [eu, ofac]})


def csv_records(changes) -> list[dict]:
    from sanctions_feed.publish.writers import CHANGES_CSV_HEADER, changes_csv_rows

    return [dict(zip(CHANGES_CSV_HEADER, row, strict=True)) for row in changes_csv_rows(changes)]


def test_changes_csv_has_one_row_per_changed_listing_naming_its_source_and_the_values_before_and_after():
    from sanctions_feed.publish.diff import diff

    changes = diff("A", [shared_address()], "B", [shared_address("delisted")])
    (row,) = csv_records(changes)  # the OFAC listing did not change: no row of its own
    assert (row["change"], row["source"], row["source_record_id"], row["listing_change"]) == \
        ("changed", "eu_fsf", "EU.1", "changed")
    assert row["before"] == "status: active; delisted_on: (none)"
    assert row["after"] == "status: delisted; delisted_on: 2026-11-25"
    assert row["listing_fields"] == ["status", "delisted_on"] and row["delisted_on"] == date(2026, 11, 25)
    assert row["sources"] == ["eu_fsf", "ofac_sdn"]  # the address's columns, repeated


def test_changes_csv_keeps_a_row_for_an_address_whose_change_touches_no_listing():
    from sanctions_feed.publish.diff import diff

    before = shared_address()
    after = before.model_copy(update={"validity": "invalid", "issues": ["checksum_failed"]})
    (row,) = csv_records(diff("A", [before], "B", [after]))
    assert row["change"] == "changed" and row["fields"] == ["validity", "issues"]
    assert row["source"] is None and row["listing_change"] is None


def test_a_release_shares_the_files_that_did_not_change_with_the_one_before(tmp_path):
    from click.testing import CliRunner

    from sanctions_feed.commands import cli
    from sanctions_feed.publish.release import share_unchanged

    from .builders import SAMPLE_PARTIES, sdn_advanced_xml

    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[1:]))
    for now, args in (("2026-11-24T12:00:00Z", ["--samples"]),
                      ("2026-11-25T12:00:00Z", ["--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force"])):
        assert CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args]).exit_code == 0
    first, second = sorted((feeds / "v").iterdir())
    same = first / "sources" / "jp_mof" / "bitcoin.txt", second / "sources" / "jp_mof" / "bitcoin.txt"
    assert same[0].stat().st_ino == same[1].stat().st_ino  # Japan did not change: one file, two names
    changed = first / "sources" / "ofac_sdn" / "bitcoin.txt", second / "sources" / "ofac_sdn" / "bitcoin.txt"
    assert changed[0].stat().st_ino != changed[1].stat().st_ino and changed[0].read_bytes() != changed[1].read_bytes()
    # a previous file that is not what its manifest says is never linked to
    manifest = json.loads((second / "manifest.json").read_text())
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "schema").mkdir()
    for name in ("schema/index.json",):
        (copy / name).write_bytes((second / name).read_bytes())
    (second / "schema" / "index.json").unlink()
    (second / "schema" / "index.json").write_text("tampered")
    from sanctions_feed.schemas.feed import FileEntry

    entry = FileEntry.model_validate(manifest["files"]["schema/index.json"])
    assert share_unchanged(copy, {"schema/index.json": entry}, second) == 0
    assert (copy / "schema" / "index.json").stat().st_nlink == 1


def test_large_files_have_a_gzip_sibling_in_the_manifest_that_serve_sends_as_it_is(sample_feed, tmp_path):
    import gzip
    import hashlib
    import shutil

    from starlette.testclient import TestClient

    from sanctions_feed.publish.verify import Reader, verify
    from sanctions_feed.publish.writers import GZIP_SIBLING_MIN
    from sanctions_feed.screening import Screener
    from sanctions_feed.screening.api import create_app

    latest = sample_feed / "latest"
    manifest = json.loads((latest / "manifest.json").read_text())["files"]
    siblings = sorted(name for name in manifest if name.endswith(".gz"))
    assert "addresses.json.gz" in siblings
    for name in siblings:
        original = name.removesuffix(".gz")
        data = (latest / name).read_bytes()
        assert gzip.decompress(data) == (latest / original).read_bytes() and data[4:8] == b"\0\0\0\0"
        assert manifest[name]["rows"] == manifest[original]["rows"] and manifest[original]["bytes"] >= GZIP_SIBLING_MIN
    assert all(entry["bytes"] < GZIP_SIBLING_MIN for name, entry in manifest.items()
               if name.endswith((".json", ".csv", ".txt")) and f"{name}.gz" not in manifest)
    with TestClient(create_app(Screener.open(sample_feed), reload_interval=0)) as client:
        answer = client.get("/latest/addresses.json", headers={"Accept-Encoding": "gzip"})
        # the published sibling's bytes, as they are (not compressed again here)
        assert answer.headers["content-encoding"] == "gzip"
        assert answer.headers["content-length"] == str((latest / "addresses.json.gz").stat().st_size)
        assert hashlib.sha256(answer.content).hexdigest() == manifest["addresses.json"]["sha256"]  # decoded
        raw = client.get("/latest/addresses.json.gz")
        assert raw.headers["content-type"] == "application/gzip" and "content-encoding" not in raw.headers
    # a sibling that does not hold its file fails verification
    feeds = tmp_path / "feeds"
    shutil.copytree(sample_feed, feeds, symlinks=True)
    version = (feeds / "latest").resolve().name
    bad = feeds / "v" / version / "addresses.json.gz"
    bad.unlink()
    bad.write_bytes(gzip.compress(b'{"version": "x", "addresses": []}', mtime=0))
    report = verify(Reader(str(feeds)), None, None, datetime_now(), unsigned=True)
    assert any("addresses.json.gz" in problem for problem in report.problems)


def datetime_now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
