"""Never publish a worse truth: bad inputs and faults found by the adversarial pass (issue 13),
each reproduced first."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.spiders.framework.base import SourceError
from sanctions_feed.spiders.il_nbctf import Catalogue, IlNbctfSpider
from sanctions_feed.spiders.ofac_sdn import _Inflated, parse_sdn_advanced
from sanctions_feed.spiders.ofac_sdn_legacy import read_rows

from .builders import SAMPLE_PARTIES, nbctf_id, nbctf_wallet, sdn_advanced_xml, zipped
from .spider_driver import drive


def run(feeds, *args, now="2026-11-24T12:00:00Z"):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args])


def test_a_utf8_bom_never_reaches_a_record_id():
    rows = read_rows(b"\xef\xbb\xbf36216,\"NAME\",-0-,x\r\n", 4)
    assert rows[0][0] == "36216"


def test_a_wallet_id_given_twice_with_different_addresses_rejects_both():
    first = nbctf_wallet(nbctf_id("w"), "TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY")
    twin = nbctf_wallet(nbctf_id("w"), "TGtpnHgW8gcfzRj1NEkLXR9AbN8WWLdJ2p")
    same = nbctf_wallet(nbctf_id("w2"), "TP834zaucGKtAVjJPc9QQQkz5ses87KEf8")
    items = list(Catalogue({"cryptocurrencyWallet": [first, twin, same, dict(same)]}).listings("il_nbctf"))
    rejected = [i["rejected"] for i in items if "rejected" in i]
    assert [r["reason"] for r in rejected] == ["the wallet id appears more than once with different addresses"] * 2
    assert {json.loads(r["raw"])["name"] for r in rejected} == {first["name"], twin["name"]}
    assert [i["listing"]["raw_address"] for i in items if "listing" in i] == [same["name"]]


@pytest.mark.parametrize("total", [-1, 1])
def test_an_api_total_below_what_it_sent_fails_the_source(total):
    wallets = [nbctf_wallet(nbctf_id("w", n), "TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY") for n in range(2)]

    def answer(request):
        items = wallets if "cryptocurrencyWallet" in request.url else []
        return 200, json.dumps({"total": total if items else 0, "items": items}).encode()

    with pytest.raises(SourceError, match=f"the API says total {total} but sent 2 items"):
        drive(IlNbctfSpider(), answer)


def test_a_document_with_a_dtd_is_refused(tmp_path):
    xml = sdn_advanced_xml(SAMPLE_PARTIES[2:3]).decode().replace(
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>',
        '<?xml version="1.0"?><!DOCTYPE Sanctions [<!ENTITY name "INJECTED">]>')
    with pytest.raises(ValueError, match="declares a DTD"):
        parse_sdn_advanced(io.BytesIO(xml.encode()))
    source = tmp_path / "dtd.xml"
    source.write_text(xml)
    result = run(tmp_path / "feeds", "--only", "ofac_sdn", "--source", f"ofac_sdn={source}")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1 and "declares a DTD" in result.output


def test_the_zip_guard_counts_the_bytes_it_inflates():
    raw = io.BytesIO(zipped("SDN_ADVANCED.XML", b"<Sanctions>" + b" " * 5000 + b"</Sanctions>"))
    member = zipfile.ZipFile(raw).open("SDN_ADVANCED.XML")  # noqa: SIM115 (the reader closes it)
    with (_Inflated(member, "SDN_ADVANCED.XML", limit=1000, file=raw) as reader,
          pytest.raises(ValueError, match="unpacks to more than 1000 bytes: refused")):
        reader.read()
    assert raw.closed  # the ZIP's file goes with its member


def test_a_damaged_zip_is_one_clear_error(tmp_path):
    body = bytearray(zipped("SDN_ADVANCED.XML", sdn_advanced_xml(SAMPLE_PARTIES)))
    body[len(body) // 2] ^= 0xFF  # one flipped byte inside the compressed data
    source = tmp_path / "SDN_ADVANCED.ZIP"
    source.write_bytes(bytes(body))
    result = run(tmp_path / "feeds", "--only", "ofac_sdn", "--source", f"ofac_sdn={source}")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith(f"Error: ofac_sdn: {source}: ")


@pytest.mark.parametrize("version", ["../../etc", "/etc/passwd", "v/../x", "20261124T120000Z/../../x"])
def test_diff_takes_release_ids_never_paths(tmp_path, version):
    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    result = CliRunner().invoke(cli, ["diff", version, "latest", "--feeds", str(feeds)])
    assert result.exit_code == 1 and "is not a release id" in result.output


def test_a_read_only_store_is_one_line(tmp_path):
    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    read_only = f"sqlite:///file:{feeds}.db?mode=ro&uri=true"  # works as root too, unlike chmod
    result = run(feeds, "--samples", "--force", "--db", read_only, now="2026-12-25T12:00:00Z")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1 and "the store" in result.output


def test_a_feed_directory_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    import sanctions_feed.publish.release as release

    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    before = json.loads((feeds / "index.json").read_text())

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device", str(feeds / "v"))

    monkeypatch.setattr(release, "prepare", full)
    result = run(feeds, "--samples", "--force", now="2026-12-25T12:00:00Z")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line == (f"Error: {feeds}: cannot write the release (No space left on device: {feeds / 'v'}); "
                    "the previous release is intact")
    assert json.loads((feeds / "index.json").read_text()) == before


def test_a_missing_part_fails_the_run_and_keeps_the_last_good_data(tmp_path):
    """The real July 2021 pair, then the same sdn.csv with its comments file gone (a failed
    download): before, 16 of 97 addresses were published as removed."""
    from .conftest import real_fixture

    pair = real_fixture("ofac/legacy/2021-07-paired")
    feeds = tmp_path / "feeds"
    assert run(feeds, "--only", "ofac_sdn_legacy", "--source", f"ofac_sdn_legacy={pair}").exit_code == 0
    before = {p: p.read_bytes() for p in sorted((feeds / "v").rglob("*")) if p.is_file()}
    latest = json.loads((feeds / "index.json").read_text())["latest"]
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "sdn.csv").symlink_to(pair / "sdn.csv")
    result = run(feeds, "--only", "ofac_sdn_legacy", "--source", f"ofac_sdn_legacy={partial}", now="2026-11-25T12:00:00Z")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: ofac_sdn_legacy: {partial / 'sdn_comments.csv'}: download failed")
    after = {p: p.read_bytes() for p in sorted((feeds / "v").rglob("*")) if p.is_file()}
    index = json.loads((feeds / "index.json").read_text())
    assert after == before and index["latest"] == latest
    (source,) = index["sources"]
    assert source["status"] == "failed" and "sdn_comments.csv" in source["error"]


def test_live_nbctf_without_its_hebrew_pages_fails():
    """Live, Hebrew is part of the list: items only it has would otherwise vanish."""
    wallet = nbctf_wallet(nbctf_id("w"), "TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY")

    def answer(request):
        if request.headers.get("Accept-Language") == b"he":
            return None  # the download fails
        items = [wallet] if "cryptocurrencyWallet" in request.url else []
        return 200, json.dumps({"total": len(items), "items": items}).encode()

    with pytest.raises(SourceError, match="download failed"):
        drive(IlNbctfSpider(), answer)


def test_an_older_list_is_refused_unless_forced(tmp_path):
    from datetime import date

    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES, issued=date(2024, 9, 27)))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}").exit_code == 0
    published = {p: p.read_bytes() for p in sorted((feeds / "v").rglob("*")) if p.is_file()}
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[:-1], issued=date(2023, 12, 4)))
    older = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-25T12:00:00Z")
    assert older.exit_code == 1
    (line,) = older.output.strip().splitlines()
    assert "ofac_sdn: the input is dated 2023-12-04, older than the 2024-09-27 list already published: refused" in line
    assert {p: p.read_bytes() for p in sorted((feeds / "v").rglob("*")) if p.is_file()} == published
    (status,) = json.loads((feeds / "index.json").read_text())["sources"]
    assert (status["status"], status["as_of"]) == ("refused", "2024-09-27")
    forced = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force", now="2026-11-25T13:00:00Z")
    assert forced.exit_code == 0 and "-5 removed" in forced.output  # the last party held 5 addresses


def test_a_sample_with_only_its_date_moved_back_is_refused(tmp_path):
    from sanctions_feed.spiders import load_sources

    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples", "--only", "ofac_sdn").exit_code == 0
    sample = load_sources()["ofac_sdn"].sample_path().read_text(encoding="utf-8")
    year = sample.split("<DateOfIssue><Year>", 1)[1][:4]
    old = tmp_path / "old.xml"
    old.write_text(sample.replace(f"<DateOfIssue><Year>{year}", "<DateOfIssue><Year>2019", 1), encoding="utf-8")
    result = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={old}", now="2026-11-25T12:00:00Z")
    assert result.exit_code == 1 and "older than the" in result.output


def _feed_files(feeds):
    return {p: p.read_bytes() for p in sorted((feeds / "v").rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fault", ["deleted", "emptied", "mistyped", "another feed's"])
def test_a_store_that_did_not_publish_the_feed_is_refused(tmp_path, fault):
    """Before: `update --only ofac_sdn` with a lost store dropped every NBCTF address (-12 removed)."""
    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    published, latest = _feed_files(feeds), json.loads((feeds / "index.json").read_text())["latest"]
    store = tmp_path / "feeds.db"
    args = ["--samples", "--only", "ofac_sdn"]
    if fault == "deleted":
        store.unlink()
    elif fault == "emptied":
        store.write_bytes(b"")
    elif fault == "mistyped":
        args += ["--db", f"sqlite:///{tmp_path}/feed.db"]
    else:
        other = tmp_path / "other"
        assert run(other, "--samples", now="2026-11-23T12:00:00Z").exit_code == 0
        args += ["--db", f"sqlite:///{tmp_path}/other.db"]
    result = run(feeds, *args, now="2026-11-25T12:00:00Z")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "refused (rebuild it from the feed with `sanctions-feed rebuild-store`" in line
    assert ("not this feed's store" if fault == "another feed's" else "the store is empty") in line
    assert _feed_files(feeds) == published
    index = json.loads((feeds / "index.json").read_text())
    assert index["latest"] == latest
    status = {s["name"]: s for s in index["sources"]}
    assert status["ofac_sdn"]["status"] == "refused" and status["il_nbctf"]["status"] == "ok"


def test_a_lost_store_is_rebuilt_from_the_feed(tmp_path):
    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    addresses = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]
    (tmp_path / "feeds.db").unlink()
    rebuilt = CliRunner().invoke(cli, ["rebuild-store", "--feeds", str(feeds)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.output.startswith(f"rebuilt the store: {len(addresses)} addresses, ")
    again = run(feeds, "--samples", "--only", "ofac_sdn", now="2026-11-25T12:00:00Z")
    assert again.exit_code == 0, again.output
    assert again.output.startswith("no change"), again.output  # nothing of NBCTF was dropped
    refused = CliRunner().invoke(cli, ["rebuild-store", "--feeds", str(feeds)])
    assert refused.exit_code == 1 and "the store already holds data" in refused.output


def _two_releases(tmp_path):
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}").exit_code == 0
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[:2] + SAMPLE_PARTIES[3:]))
    assert run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-25T12:00:00Z").exit_code == 0
    return feeds, source


def test_a_kill_between_the_latest_swap_and_index_json_is_finished_by_the_next_run(tmp_path):
    """Before: `latest` pointed at a release index.json did not list, and a no-change run never
    repaired it."""
    feeds, source = _two_releases(tmp_path)
    index = json.loads((feeds / "index.json").read_text())
    second = index["latest"]
    killed = {**index, "latest": index["versions"][0]["id"], "versions": index["versions"][:1]}
    (feeds / "index.json").write_text(json.dumps(killed))  # as the kill left it: latest -> second
    assert os.readlink(feeds / "latest") == f"v/{second}"
    again = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-26T12:00:00Z")
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1].startswith("no change"), again.output
    assert f"feed repaired: finished announcing {second}" in again.output
    repaired = json.loads((feeds / "index.json").read_text())
    assert repaired["latest"] == second and [v["id"] for v in repaired["versions"]] == [v["id"] for v in index["versions"]]


def test_a_release_written_but_never_committed_is_removed_and_latest_repointed(tmp_path):
    import shutil

    feeds, source = _two_releases(tmp_path)
    index = json.loads((feeds / "index.json").read_text())
    orphan = feeds / "v" / "20261125T180000Z"  # a kill after the release was written, before the store committed
    shutil.copytree(feeds / "v" / index["latest"], orphan)
    (feeds / "latest").unlink()
    (feeds / "latest").symlink_to(f"v/{index['versions'][0]['id']}")  # and a stale pointer
    (feeds / f".tmp-20261125T190000Z-{os.getpid()}").mkdir()
    (feeds / f".index.json.{os.getpid()}.tmp").write_text("{")
    (feeds / f".latest-{os.getpid()}").symlink_to("v/nowhere")
    again = run(feeds, "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", now="2026-11-26T12:00:00Z")
    assert again.exit_code == 0, again.output
    assert "removed 20261125T180000Z (written by a killed run, never announced)" in again.output
    assert not orphan.exists() and os.readlink(feeds / "latest") == f"v/{index['latest']}"
    assert sorted(p.name for p in feeds.iterdir()) == ["catalog.json", "changes.atom", "delta.json", "index.json", "latest",
                                                       "site", "v"]
