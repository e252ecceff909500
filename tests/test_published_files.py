"""Files a puller can rely on: every chain list once published stays (empty when nothing is
active), and no published file names the operator's local paths as the official list."""

from __future__ import annotations

import json
from datetime import date

from sanctions_feed.publish.build import published_source
from sanctions_feed.publish.writers import ChainLists
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
