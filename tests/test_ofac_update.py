"""OFAC to a published feed, end to end, through the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.spiders.ofac_sdn import parse_sdn_advanced

from .builders import NS_NEW, NS_OLD, OTHER_IDS, SAMPLE_PARTIES, TODAY_IDS, sdn_advanced_xml, zipped
from .conftest import real_fixture


def run(feeds: Path, *args, now="2026-11-24T12:00:00Z"):
    result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args])
    return result


def latest(feeds: Path) -> dict:
    return json.loads((feeds / "latest" / "addresses.json").read_text())


def expected_addresses(parties) -> set[str]:
    return {a.lower() if a.startswith("0x") else a for p in parties for _, a in p["addresses"]}


@pytest.mark.parametrize(("namespace", "as_zip", "ids"), [(NS_OLD, False, TODAY_IDS), (NS_NEW, True, OTHER_IDS)])
def test_feed_equals_the_file(tmp_path, namespace, as_zip, ids):
    xml = sdn_advanced_xml(SAMPLE_PARTIES, namespace=namespace, ids=ids)
    source = tmp_path / ("SDN_ADVANCED.ZIP" if as_zip else "SDN_ADVANCED.XML")
    source.write_bytes(zipped("SDN_ADVANCED.XML", xml) if as_zip else xml)
    feeds = tmp_path / "feeds"
    result = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("published ")
    records = latest(feeds)["addresses"]
    active = {r["address"] for r in records if r["status"] == "active"}
    assert active == expected_addresses(SAMPLE_PARTIES)
    by_party = {p["fixed_ref"]: p for p in SAMPLE_PARTIES}
    for record in records:
        for listing in record["listings"]:
            party = by_party[listing["source_record_id"]]
            assert listing["holder"] == party["name"]
            assert listing["programs"] == sorted(party["programs"])
            assert listing["listed_on"] == party["listed_on"].isoformat()
    tron = next(r for r in records if r["address"] == "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")
    assert tron["chain"] == "tron" and "chain_differs_from_label" in tron["issues"]
    manifest = json.loads((feeds / "latest" / "manifest.json").read_text())
    assert manifest["sources"][0]["as_of"] == "2026-11-20"
    assert manifest["files"]["addresses.json"]["rows"] == len(records)


def test_same_file_twice_gives_no_new_version_and_removal_is_delisted(tmp_path):
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}").exit_code == 0
    first = json.loads((feeds / "index.json").read_text())["latest"]
    # A new DateOfIssue alone changes the raw file, not the published records.
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES, issued=date(2026, 11, 21)))
    again = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-24T13:00:00Z")
    assert again.exit_code == 0 and again.output.startswith("no change")
    index = json.loads((feeds / "index.json").read_text())
    assert index["latest"] == first and len(index["versions"]) == 1
    assert index["sources"][0]["as_of"] == "2026-11-21"
    assert index["sources"][0]["last_checked"] == "2026-11-24T13:00:00Z"

    parties = json.loads(json.dumps(SAMPLE_PARTIES, default=str))
    for p in parties:
        p["listed_on"] = date.fromisoformat(p["listed_on"])
    gone = parties[2]["addresses"].pop()[1]  # KHOROSHEV's only address
    source.write_bytes(sdn_advanced_xml(parties, issued=date(2026, 11, 22)))
    third = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-25T12:00:00Z")
    assert third.exit_code == 0, third.output
    changes = json.loads((feeds / "latest" / "changes.json").read_text())
    assert changes["from"] == first and not changes["added"] and not changes["changed"]
    assert [(r["address"], r["status"]) for r in changes["removed"]] == [(gone, "delisted")]
    record = next(r for r in latest(feeds)["addresses"] if r["address"] == gone)
    assert record["status"] == "delisted" and record["listings"][0]["delisted_on"] == "2026-11-25"
    assert gone not in (feeds / "latest" / "chains" / "bitcoin.txt").read_text()
    # The previous release is intact.
    old = json.loads((feeds / "v" / first / "addresses.json").read_text())
    assert any(r["address"] == gone and r["status"] == "active" for r in old["addresses"])


def test_large_removal_is_refused_unless_forced(tmp_path):
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}").exit_code == 0
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[:1]))
    refused = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}")
    assert refused.exit_code == 1 and "refused" in refused.output
    (status,) = json.loads((feeds / "index.json").read_text())["sources"]
    assert status["status"] == "refused" and "would remove" in status["error"]
    forced = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force")
    assert forced.exit_code == 0 and "removed" in forced.output


BAD_INPUTS = {
    "html": (b"<html><body>503 Service Unavailable</body></html>", "an HTML page instead of XML"),
    "truncated": (sdn_advanced_xml(SAMPLE_PARTIES)[:3000], "truncated"),
    "empty": (b"", "empty"),
    "zip-without-xml": (zipped("readme.txt", b"hello"), "0 .xml files"),
}


@pytest.mark.parametrize("kind", ["html", "truncated"])  # every kind is tested in-process in test_ofac_sdn
def test_bad_input_is_a_clear_error_and_keeps_the_release(tmp_path, kind):
    feeds, good = tmp_path / "feeds", tmp_path / "good.xml"
    good.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={good}").exit_code == 0
    before = {p: p.read_bytes() for p in sorted(feeds.rglob("*")) if p.is_file()}
    bad = tmp_path / f"bad-{kind}.xml"
    bad.write_bytes(BAD_INPUTS[kind][0])
    result = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={bad}", now="2026-11-25T00:00:00Z")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("Error: ofac_sdn: ") and str(bad) in lines[0] and BAD_INPUTS[kind][1] in lines[0]
    after = {p: p.read_bytes() for p in sorted(feeds.rglob("*")) if p.is_file()}
    assert {p: b for p, b in after.items() if p.name != "index.json"} == {p: b for p, b in before.items() if p.name != "index.json"}
    # index.json records the failed attempt beside the last success; the latest release is unchanged.
    index, old = json.loads(after[feeds / "index.json"]), json.loads(before[feeds / "index.json"])
    (source,) = index["sources"]
    assert (index["latest"], index["versions"]) == (old["latest"], old["versions"])
    assert source["status"] == "failed" and str(bad) in source["error"]
    assert source["last_checked"] == "2026-11-25T00:00:00Z" and source["last_success"] == "2026-11-24T12:00:00Z"


def test_legacy_csv_joined_with_comments(tmp_path):
    folder = real_fixture("ofac/legacy/2025-05-trimmed")
    feeds = tmp_path / "feeds"
    result = run(feeds, "--only", "ofac_sdn_legacy", "--source", f"ofac_sdn_legacy={folder}")
    assert result.exit_code == 0, result.output
    import csv as _csv
    import re

    text = (folder / "sdn.csv").read_text(encoding="cp1252")
    comments = {r[0]: r[1] for r in _csv.reader((folder / "sdn_comments.csv").open(encoding="cp1252")) if r}
    expected = set()
    for row in _csv.reader(text.splitlines()):
        if row:
            remarks = row[11] + comments.get(row[0], "")
            expected |= set(re.findall(r"Digital Currency Address - \w+ ([^;\s]+?)\.?(?:;|$)", remarks))
    published = latest(feeds)["addresses"]
    raw = {listing["raw_address"] for r in published for listing in r["listings"]}
    assert raw == expected and len(expected) == 26  # 32 mentions, some under two codes
    assert all(r["validity"] == "valid" for r in published)


def test_legacy_sdn_csv_named_alone_never_publishes_a_fragment(tmp_path):
    sdn = real_fixture("ofac/legacy/sdn-2024-05-03.csv")  # archived without its comments file
    feeds = tmp_path / "feeds"
    result = run(feeds, "--only", "ofac_sdn_legacy", "--source", f"ofac_sdn_legacy={sdn}")
    assert result.exit_code == 0, result.output
    assert "warning: ofac_sdn_legacy: sdn.csv given alone, without sdn_comments.csv" in result.output
    assert "1 warnings" in result.stdout.strip().splitlines()[-1]
    records = latest(feeds)["addresses"]
    truncated = [r for r in records if "truncated" in r["issues"]]
    assert truncated, "the cut remarks of this file must show up as truncated"
    assert all(r["validity"] == "invalid" for r in truncated)
    chains = "".join(p.read_text() for p in (feeds / "latest" / "chains").glob("*.txt"))
    assert all(r["address"] not in chains.split() for r in truncated)


def test_published_records_validate_against_the_schema(tmp_path):
    from sanctions_feed.schemas.feed import AddressesFile, ChangesFile
    from sanctions_feed.schemas.release import Manifest

    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    AddressesFile.model_validate_json((feeds / "latest" / "addresses.json").read_text())
    ChangesFile.model_validate_json((feeds / "latest" / "changes.json").read_text())
    Manifest.model_validate_json((feeds / "latest" / "manifest.json").read_text())


def test_same_inputs_give_byte_identical_feeds(tmp_path):
    trees = []
    for name in ("a", "b"):
        feeds = tmp_path / name
        assert run(feeds, "--samples").exit_code == 0
        trees.append({p.relative_to(feeds): p.read_bytes() for p in sorted(feeds.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1] and len(trees[0]) > 8


def test_raw_inputs_are_named_and_archived_by_sha256(tmp_path):
    import hashlib

    feeds, archive, source = tmp_path / "feeds", tmp_path / "raw", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    result = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--archive", str(archive))
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    manifest = json.loads((feeds / "latest" / "manifest.json").read_text())
    (part,) = manifest["sources"][0]["raw_parts"]
    assert part["sha256"] == digest and part["bytes"] == source.stat().st_size
    # kept compressed, the same bytes whenever they are kept (no name or time in the gzip header)
    import gzip

    kept = archive / f"{digest}.gz"
    assert gzip.decompress(kept.read_bytes()) == source.read_bytes() and kept.read_bytes()[4:8] == b"\0\0\0\0"
    assert kept.stat().st_size < source.stat().st_size / 5 and [p.name for p in archive.iterdir()] == [kept.name]


def test_a_second_update_of_the_same_feed_fails_fast(tmp_path):
    import fcntl

    feeds = tmp_path / "feeds"
    with open(f"{feeds}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = run(feeds, "--samples")
    assert result.exit_code == 1 and "another update of this feed is running" in result.output
    assert run(feeds, "--samples").exit_code == 0


def test_bundled_legacy_sample_joins_the_cut_remark(tmp_path):
    feeds = tmp_path / "feeds"
    result = run(feeds, "--samples", "--only", "ofac_sdn_legacy")
    assert result.exit_code == 0, result.output
    records = {r["address"]: r for r in latest(feeds)["addresses"]}
    assert records["1B64QRxfaa35MVkf7sDjuGUYAP5izQt7Qi"]["validity"] == "valid"
    assert all(r["validity"] == "valid" for r in records.values())


def test_xml_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = sdn_advanced_xml(SAMPLE_PARTIES[2:3]).decode()
    xml = xml.replace('<?xml version="1.0" encoding="utf-8" standalone="yes"?>',
                      f'<?xml version="1.0"?><!DOCTYPE Sanctions [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>')
    xml = xml.replace("bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z", "&leak;")
    try:
        parsed = parse_sdn_advanced(__import__("io").BytesIO(xml.encode()))
    except ValueError:
        return  # refusing the document is fine too
    texts = [text for party in parsed.parties for _, text in party.addresses]
    assert all("TOP-SECRET" not in text for text in texts)


def test_evm_list_holds_every_evm_address_whatever_chain_it_was_listed_under(tmp_path):
    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    chains = feeds / "latest" / "chains"
    evm = (chains / "evm.txt").read_text().split()
    per_chain = {p.stem: p.read_text().split() for p in chains.glob("*.txt") if p.stem != "evm"}
    expected = sorted({a for chain in ("ethereum", "ethereum-classic", "arbitrum", "bsc", "polygon")
                       for a in per_chain.get(chain, [])})
    assert evm == expected and "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c" in evm
    assert len(evm) < sum(len(per_chain.get(c, [])) for c in ("ethereum", "arbitrum", "bsc"))  # listed under several
    manifest = json.loads((feeds / "latest" / "manifest.json").read_text())
    assert manifest["files"]["chains/evm.txt"]["rows"] == len(evm)


def _flip_one_letter_case(address: str) -> str:
    index = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    return address[:index] + address[index].swapcase() + address[index + 1:]


def test_a_verdict_follows_the_current_listings(tmp_path):
    """First published with one wrong letter case (checksum fails), later correctly: valid again,
    and the change shows in changes.json with what changed."""
    from sanctions_feed.normalize.forms import eip55

    good = eip55("901bb9583b24d97e995513c6778dc6888ab6870e")
    party = {**SAMPLE_PARTIES[0], "addresses": [("ETH", _flip_one_letter_case(good))]}
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml([party, *SAMPLE_PARTIES[1:]]))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}").exit_code == 0
    record = next(r for r in latest(feeds)["addresses"] if r["address"] == good.lower())
    assert (record["validity"], record["issues"]) == ("invalid", ["checksum_failed"])
    source.write_bytes(sdn_advanced_xml([{**party, "addresses": [("ETH", good)]}, *SAMPLE_PARTIES[1:]]))
    fixed = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-25T12:00:00Z")
    assert fixed.exit_code == 0 and fixed.output.startswith("published"), fixed.output
    record = next(r for r in latest(feeds)["addresses"] if r["address"] == good.lower())
    assert (record["validity"], record["issues"], record["display"]) == ("valid", [], good)
    (change,) = json.loads((feeds / "latest" / "changes.json").read_text())["changed"]
    assert change["id"] == f"ethereum:{good.lower()}" and {"validity", "issues"} <= set(change["fields"])
    assert (change["before"]["validity"], change["after"]["validity"]) == ("invalid", "valid")


def test_a_stale_stored_verdict_is_re_derived_on_a_run_of_another_source(tmp_path):
    """A fix to normalize/ reaches addresses whose source did not run: here a verdict made stale by
    hand, as older code would have left it (with the older code's marker)."""
    import sqlite3

    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    with sqlite3.connect(f"{feeds}.db") as db:
        db.execute("UPDATE addresses SET validity = 'invalid', issues = '[\"checksum_failed\"]' "
                   "WHERE id = 'bitcoin:bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z'")
        db.execute("UPDATE store_state SET value = 'older-code' WHERE key = 'verdict_code'")
    again = run(feeds, "--samples", "--only", "il_nbctf", now="2026-11-24T13:00:00Z")
    assert again.exit_code == 0, again.output
    record = next(r for r in latest(feeds)["addresses"] if r["id"] == "bitcoin:bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z")
    assert (record["validity"], record["issues"]) == ("valid", [])


def test_with_the_same_code_a_run_reads_again_only_the_addresses_it_touched(tmp_path, monkeypatch):
    """Before: every stored listing was normalized again on every run."""
    from sanctions_feed.pipeline import verdicts

    calls: list[str] = []
    original = verdicts.normalize
    monkeypatch.setattr(verdicts, "normalize", lambda text, label=None: calls.append(text) or original(text, label))
    feeds = tmp_path / "feeds"
    source = tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    assert run(feeds, "--samples").exit_code == 0
    import sqlite3

    with sqlite3.connect(f"{feeds}.db") as db:
        (others,) = db.execute("SELECT count(*) FROM listings WHERE source != 'ofac_sdn'").fetchone()
    calls.clear()
    changed = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force", now="2026-11-24T13:00:00Z")
    assert changed.exit_code == 0 and changed.output.startswith("published"), changed.output
    # the run's own listings were read by the normalize step; the verdict step read only the other
    # sources' listings of the addresses this run touched, not every other stored listing
    assert 0 < len(calls) < others / 4, (len(calls), others)


def test_a_failed_publish_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    """The store commits only together with the release that shows it."""
    import sqlite3

    import sanctions_feed.publish.release as release

    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}").exit_code == 0
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[:2] + SAMPLE_PARTIES[3:]))  # KHOROSHEV gone

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    prepare = release.prepare
    monkeypatch.setattr(release, "prepare", disk_full)
    failed = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-25T12:00:00Z")
    assert failed.exit_code != 0
    with sqlite3.connect(f"{feeds}.db") as db:
        statuses = dict(db.execute("SELECT source_record_id, status FROM listings WHERE source_record_id = '48603'"))
        last_checked = db.execute("SELECT last_checked FROM sources WHERE name = 'ofac_sdn'").fetchone()[0]
    assert statuses == {"48603": "active"} and last_checked.startswith("2026-11-24 12:00:00")
    monkeypatch.setattr(release, "prepare", prepare)
    again = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-25T13:00:00Z")
    assert again.exit_code == 0 and "-1 removed" in again.output


def test_relisting_keeps_the_delisting_in_the_listing_history(tmp_path):
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    without = SAMPLE_PARTIES[:2] + SAMPLE_PARTIES[3:]  # KHOROSHEV (48603) gone
    renamed = [{**p, "name": "KHOROSHEV, Dmitry"} if p["fixed_ref"] == "48603" else p for p in SAMPLE_PARTIES]
    for parties, day in ((SAMPLE_PARTIES, "24"), (without, "25"), (SAMPLE_PARTIES, "26"), (renamed, "27")):
        source.write_bytes(sdn_advanced_xml(parties))
        result = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now=f"2026-11-{day}T12:00:00Z")
        assert result.exit_code == 0 and result.output.startswith("published"), result.output
    record = next(r for r in latest(feeds)["addresses"] if r["address"] == "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z")
    (listing,) = record["listings"]
    assert listing["status"] == "active" and listing["holder"] == "KHOROSHEV, Dmitry"
    # `listed` took effect on OFAC's own date (2024-05-07); this feed recorded it on 2026-11-24.
    assert [(e["event"], e["date"], e["recorded_on"], e["release"]) for e in listing["events"]] == [
        ("listed", "2024-05-07", "2026-11-24", "20261124T120000Z"),
        ("delisted", "2026-11-25", "2026-11-25", "20261125T120000Z"),
        ("relisted", "2026-11-26", "2026-11-26", "20261126T120000Z"),
        ("corrected", "2026-11-27", "2026-11-27", "20261127T120000Z")]
    # The release of each event is kept in the store for history.
    import sqlite3

    with sqlite3.connect(f"{feeds}.db") as db:
        versions = [v for (v,) in db.execute("SELECT version FROM listing_events WHERE listing_id LIKE 'ofac_sdn|48603|%' ORDER BY \"on\"")]
    assert versions == ["20261124T120000Z", "20261125T120000Z", "20261126T120000Z", "20261127T120000Z"]


def test_an_expired_listing_records_the_day_after_its_validity(tmp_path):
    from sanctions_feed.spiders.il_nbctf import write_replay_dir

    from .builders import nbctf_sample

    replay, feeds = tmp_path / "nbctf", tmp_path / "feeds"
    write_replay_dir(replay, nbctf_sample())
    assert run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}", now="2026-11-24T12:00:00Z").exit_code == 0
    assert run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}", now="2026-12-02T12:00:00Z").exit_code == 0
    record = next(r for r in latest(feeds)["addresses"] if r["address"] == "TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ")
    (listing,) = record["listings"]
    assert listing["valid_until"] == "2026-11-30" and listing["status"] == "expired"
    assert [(e["event"], e["date"], e["recorded_on"]) for e in listing["events"]] == [
        ("listed", "2024-12-24", "2026-11-24"), ("expired", "2026-12-01", "2026-12-02")]


def test_an_upgraded_store_records_no_correction_the_source_did_not_make(tmp_path):
    """Stores from before held holders without `issues` and names uncleaned: reading them again
    under the new code is no correction by the source (before: every listing got `corrected`)."""
    import sqlite3

    from sanctions_feed.spiders.il_nbctf import write_replay_dir

    from .builders import nbctf_sample

    items = nbctf_sample()
    items["cryptocurrencyWallet"][9]["properties"]["designatedOperatives"][0]["name"] = "ΤΑWFIQ BAYARI"  # look-alikes
    replay, feeds = tmp_path / "nbctf", tmp_path / "feeds"
    write_replay_dir(replay, items)
    assert run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}").exit_code == 0
    with sqlite3.connect(f"{feeds}.db") as db:  # as an earlier release stored them
        for listing_id, holder in list(db.execute("SELECT id, holder FROM listings")):
            old = json.loads(holder)
            old.pop("issues", None)
            if old.get("name") == "TAWFIQ BAYARI":
                old["name"] = "ΤΑWFIQ BAYARI"
            db.execute("UPDATE listings SET holder = ? WHERE id = ?", (json.dumps(old, sort_keys=True), listing_id))
    again = run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}", now="2026-11-24T13:00:00Z")
    assert again.exit_code == 0, again.output
    with sqlite3.connect(f"{feeds}.db") as db:
        assert list(db.execute("SELECT count(*) FROM listing_events WHERE event = 'corrected'")) == [(0,)]
