"""What other tools read: the FollowTheMoney export and its delta, CAIP-2 chain ids, per-source
counts in index.json, and the static site's files and links."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.schemas.address import CAIP2, CHAINS, EVM_CHAINS, caip2
from sanctions_feed.schemas.feed import FeedAddress

from .builders import SAMPLE_PARTIES, sdn_advanced_xml


def update(feeds: Path, now: str, *args):
    result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory) -> Path:
    """The bundled samples, then an OFAC file without two parties: one release adds, one removes."""
    root = tmp_path_factory.mktemp("exports")
    feeds, source = root / "feeds", root / "sdn.xml"
    update(feeds, "2026-11-24T12:00:00Z", "--samples")
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[:2] + SAMPLE_PARTIES[4:]))
    update(feeds, "2026-11-25T12:00:00Z", "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force")
    return feeds


LONG_KEYS = ("publicKey", "cryptoAddress")


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_ftm_export_passes_followthemoney_model_validation(two_releases):
    ftm = pytest.importorskip("followthemoney")
    from followthemoney.exc import InvalidData

    entities = lines(two_releases / "latest" / "entities.ftm.json")
    by_schema: dict[str, int] = {}
    for entity in entities:
        schema = ftm.model.get(entity["schema"])
        assert schema is not None, entity
        # `Schema.validate` checks identifiers against the type's 64 characters; the model (>= 4.7)
        # gives `publicKey` and `cryptoAddress` 512: a Monero key is validated by loading it.
        short = {**entity, "properties": {k: [v for v in values if len(v) <= 64 or k not in LONG_KEYS]
                                          for k, values in entity["properties"].items()}}
        try:
            schema.validate(short)
        except InvalidData as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{entity['id']} ({entity['schema']}): {exc.errors}")
        proxy = ftm.model.get_proxy(entity)  # cleaned as the model loads it: nothing may be dropped
        assert proxy.id == entity["id"]
        assert {k: sorted(v) for k, v in proxy.to_dict()["properties"].items()} == entity["properties"], entity["id"]
        by_schema[entity["schema"]] = by_schema.get(entity["schema"], 0) + 1
    addresses = json.loads((two_releases / "latest" / "addresses.json").read_text())["addresses"]
    wallets = [a for a in addresses if a["validity"] != "invalid" and a["kind"] != "unknown"]
    assert len(wallets) < len(addresses)  # the samples name invalid strings: kept in addresses.json only
    assert by_schema["CryptoWallet"] == len(wallets)
    assert by_schema["Sanction"] == sum(len(a["listings"]) for a in wallets)
    keys = {key for e in entities if e["schema"] == "CryptoWallet"
            for key in e["properties"].get("cryptoAddress", []) + e["properties"].get("publicKey", [])}
    assert not keys & {a["address"] for a in addresses if a not in wallets} - {a["address"] for a in wallets}
    assert {a["address"] for a in wallets if a["kind"] != "exchange_account"} <= keys  # long keys (Monero) too
    chains = {c for e in entities if e["schema"] == "CryptoWallet" for c in e["properties"].get("blockchain", [])}
    assert {"bitcoin", "ethereum", "tron"} <= chains
    assert {"Person", "Organization"} <= set(by_schema)
    ids = {e["id"] for e in entities}
    for entity in entities:  # every reference resolves inside the export
        for prop in ("holder", "entity"):
            assert set(entity["properties"].get(prop, [])) <= ids
    wallet = next(e for e in entities if e["schema"] == "CryptoWallet"
                  and e["properties"].get("cryptoAddress") == ["0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535"])
    (holder_id,) = wallet["properties"]["holder"]
    holder = next(e for e in entities if e["id"] == holder_id)
    assert holder["schema"] == "Organization" and holder["properties"]["name"] == ["SUEX OTC, S.R.O."]
    assert "sanction" in wallet["properties"]["topics"]


def test_ftm_delta_says_add_mod_del_against_the_previous_release(two_releases):
    index = json.loads((two_releases / "index.json").read_text())
    first, second = (two_releases / "v" / v["id"] for v in index["versions"])
    assert {op["op"] for op in lines(first / "entities.delta.json")} == {"ADD"}
    assert len(lines(first / "entities.delta.json")) == len(lines(first / "entities.ftm.json"))
    ops = lines(second / "entities.delta.json")
    before = {e["id"]: e for e in lines(first / "entities.ftm.json")}
    after = {e["id"]: e for e in lines(second / "entities.ftm.json")}
    for op in ops:
        entity = op["entity"]
        if op["op"] == "MOD":
            assert entity == after[entity["id"]] != before[entity["id"]]
        elif op["op"] == "ADD":
            assert entity["id"] not in before
        else:
            assert op["op"] == "DEL" and entity["id"] not in after
    modified = {op["entity"]["id"] for op in ops if op["op"] == "MOD"}
    khoroshev = next(e for e in after.values() if e["properties"].get("cryptoAddress") == ["bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"])
    assert khoroshev["id"] in modified and "topics" not in khoroshev["properties"]  # delisted: no longer a target
    changed = {i for i in after if i in before and after[i] != before[i]}
    assert modified == changed and len(ops) == len(changed) + len(set(after) - set(before)) + len(set(before) - set(after))
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["files"]["entities.delta.json"]["rows"] == len(ops)
    held: dict[str, dict] = {}  # a consumer that applies every delta in order holds the latest export
    for release in (first, second):
        for op in lines(release / "entities.delta.json"):
            if op["op"] == "DEL":
                del held[op["entity"]["id"]]
            else:
                held[op["entity"]["id"]] = op["entity"]
    assert held == after


def test_every_address_record_has_its_caip2_chain_id(two_releases):
    addresses = json.loads((two_releases / "latest" / "addresses.json").read_text())["addresses"]
    by_id = {a["id"]: a for a in addresses}
    assert by_id["ethereum:0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535"]["caip2"] == "eip155:1"
    assert by_id["arbitrum:0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"]["caip2"] == "eip155:42161"
    assert by_id["bsc:0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"]["caip2"] == "eip155:56"
    assert by_id["tron:TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre"]["caip2"] == "tron:0x2b6653dc"
    assert by_id["bitcoin:12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx"]["caip2"] == "bip122:000000000019d6689c085ae165831e93"
    for a in addresses:
        assert a["caip2"] == caip2(a["chain"], a["issues"])
    assert set(CAIP2) <= set(CHAINS) and all(CAIP2[c].startswith("eip155:") for c in EVM_CHAINS)
    assert caip2("bitcoin", ["testnet"]) == "bip122:000000000933ea01ad0ee984209779ba"
    assert caip2("unknown", []) is None and caip2("bitcoin-gold", []) is None


def test_a_release_written_before_caip2_reads_with_it_and_shows_no_change(two_releases):
    record = json.loads((two_releases / "latest" / "addresses.json").read_text())["addresses"][0]
    old = {k: v for k, v in record.items() if k != "caip2"}
    assert FeedAddress.model_validate(old) == FeedAddress.model_validate(record)


def test_index_counts_per_source_and_per_chain(two_releases):
    index = json.loads((two_releases / "index.json").read_text())
    first, second = index["versions"]
    assert first["by_source"]["ofac_sdn"]["added"] == first["by_source"]["ofac_sdn"]["active"] > 0
    assert second["removed"] == 2 and second["by_source"]["ofac_sdn"]["removed"] == 2
    assert second["by_source"]["ofac_sdn"]["added"] == 0
    assert second["by_source"]["us_fbi"] == {**first["by_source"]["us_fbi"], "added": 0}
    assert sum(second["active_by_chain"].values()) == second["active"]
    assert second["active_by_chain"]["bitcoin"] == first["active_by_chain"]["bitcoin"] - 1  # KHOROSHEV's
    assert second["active_by_chain"]["tron"] == first["active_by_chain"]["tron"] - 1  # the TRON filed as XBT


LINK = re.compile(r'(?:href|src)="([^"]+)"')


def test_site_pages_exist_and_every_internal_link_resolves(two_releases):
    site = two_releases / "site"
    index = json.loads((two_releases / "index.json").read_text())
    pages = sorted(site.rglob("*.html"))
    assert {p.relative_to(site).as_posix() for p in pages} >= {
        "index.html", "sources/index.html", "sources/ofac_sdn.html",
        *(f"releases/{v['id']}.html" for v in index["versions"])}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "http://" not in re.sub(r'<a href="https?://[^"]+"', "", html).replace("http://www.w3.org", "")
        for link in LINK.findall(html):
            if urlsplit(link).scheme:
                assert f'<a href="{link}"' in html and f'src="{link}"' not in html  # a link out, never a resource
                continue
            target = (page.parent / unquote(link.split("#")[0])).resolve()
            assert target.exists(), f"{page.relative_to(site)} links to missing {link}"
            assert target.is_relative_to(two_releases.resolve())
    svg = (site / "chart-sources.svg").read_text()
    assert svg.startswith("<svg") and "<polyline" in svg and "US Treasury OFAC" in svg  # authorities, not codes
    assert "https://" not in (site / "site.js").read_text() + (site / "site.css").read_text()


def test_site_keeps_names_in_their_script_and_direction(tmp_path):
    from datetime import date, datetime, timezone

    from sanctions_feed.publish.release import publish
    from sanctions_feed.schemas.feed import FeedListing

    names = ["חמאס", "Лазарус", "北朝鮮の団体"]
    addresses = [FeedAddress(
        id=f"bitcoin:{a}", chain="bitcoin", address=a, display=a, kind="address", validity="valid", issues=[],
        assets=[], status="active", first_seen=date(2026, 1, 1),
        listings=[FeedListing(source="test", source_record_id=str(n), holder=name, status="active",
                              first_seen=date(2026, 1, 1), raw_address=a, programs=[name])])
        for n, (name, a) in enumerate(zip(names, ["12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx", "1L4ncif9hh9TnUveqWq77HfWWt6CJWtrnb",
                                                   "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U"], strict=True))]
    publish(tmp_path, addresses, [], [], datetime(2026, 11, 24, tzinfo=timezone.utc))
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html
    for name in names:
        assert f'<td dir="auto"><bdi>{name}</bdi></td>' in html


def test_site_keeps_past_release_pages_as_they_would_be_rendered(two_releases, tmp_path):
    import shutil

    from sanctions_feed.publish.release import read_index
    from sanctions_feed.publish.site import Site

    first = json.loads((two_releases / "index.json").read_text())["versions"][0]["id"]
    kept = (two_releases / "site" / "releases" / f"{first}.html").read_bytes()
    copy = tmp_path / "feeds"
    shutil.copytree(two_releases, copy, symlinks=True)
    shutil.rmtree(copy / "site")
    Site(copy, read_index(copy)).write()  # every page rendered from the releases' files
    assert (copy / "site" / "releases" / f"{first}.html").read_bytes() == kept
    assert (copy / "site" / "index.html").read_bytes() == (two_releases / "site" / "index.html").read_bytes()
    stale = copy / "site" / "releases" / f"{first}.html"
    stale.write_text("<!doctype html><title>an older page format</title>")
    Site(copy, read_index(copy)).write()
    assert stale.read_bytes() == kept  # a page of another format is written anew


def test_changes_name_each_listing_that_changed_and_belong_to_its_source(two_releases):
    """A release that ran OFAC alone: every change is OFAC's, even for an address the EU, France
    or Japan also name; each changed listing says what changed, before and after, and its event."""
    index = json.loads((two_releases / "index.json").read_text())
    second = index["versions"][-1]
    changes = json.loads((two_releases / "v" / second["id"] / "changes.json").read_text())
    assert changes["listings"] and {c["source"] for c in changes["listings"]} == {"ofac_sdn"}
    assert {name for name, counts in second["by_source"].items()
            if counts["added"] + counts["removed"] + counts["changed"]} == {"ofac_sdn"}
    assert second["by_source"]["ofac_sdn"]["removed"] == second["removed"] > 0
    delisted = [c for c in changes["listings"] if c["change"] == "changed" and "status" in c["fields"]]
    assert delisted and all(c["fields"]["status"] == {"before": "active", "after": "delisted"} for c in delisted)
    assert all(c["event"] == "delisted" and c["fields"]["delisted_on"]["before"] is None for c in delisted)
    # Removed: no source lists it any more; an address the EU still names stays active, changed.
    removed_ids = {a["id"] for a in changes["removed"]}
    assert removed_ids < {c["id"] for c in delisted}
    assert {c["id"] for c in delisted} - removed_ids <= {c["id"] for c in changes["changed"]}
    # The first release: every listing added, each under its own source.
    first = json.loads((two_releases / "v" / index["versions"][0]["id"] / "changes.json").read_text())
    assert {c["change"] for c in first["listings"]} == {"added"} and len({c["source"] for c in first["listings"]}) > 3
    # Their event: listed, or the last of this release's (a cancelled order: listed, then delisted).
    assert {c["event"] for c in first["listings"]} <= {"listed", "delisted", "expired"}
    assert sum(c["event"] == "listed" for c in first["listings"]) > len(first["listings"]) / 2


def test_ftm_entities_carry_opensanctions_metadata_and_the_authorities_meaning(two_releases):
    entities = {e["id"]: e for e in lines(two_releases / "latest" / "entities.ftm.json")}
    by_schema: dict[str, list[dict]] = {}
    for entity in entities.values():
        by_schema.setdefault(entity["schema"], []).append(entity)
        assert entity["datasets"] and all(d.startswith("sanctions_feed_") for d in entity["datasets"])
        assert entity["first_seen"] <= entity["last_change"] and isinstance(entity["target"], bool)
        if entity["target"]:
            assert "last_seen" not in entity  # only what is gone says when it was last seen
    sanctions = by_schema["Sanction"]
    assert {s["properties"]["authority"][0] for s in sanctions} >= {"US Treasury OFAC", "Japan Ministry of Finance"}
    assert {tuple(s["properties"]["country"]) for s in sanctions} >= {("us",), ("jp",), ("il",), ("eu",), ("gb",)}
    assert any(s["properties"].get("reason") for s in sanctions if "sanctions_feed_gb_fcdo" in s["datasets"])
    topics = {d: {t for w in by_schema["CryptoWallet"] if d in w["datasets"] for t in w["properties"].get("topics", [])}
              for d in ("sanctions_feed_il_nbctf", "sanctions_feed_us_fbi", "sanctions_feed_jp_mof")}
    assert "asset.frozen" in topics["sanctions_feed_il_nbctf"] and "crime.cyber" in topics["sanctions_feed_us_fbi"]
    assert topics["sanctions_feed_jp_mof"] == {"sanction"}
    delisted = next(w for w in by_schema["CryptoWallet"]
                    if w["properties"].get("cryptoAddress") == ["bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"])
    assert delisted["target"] is False and delisted["last_seen"] == "2026-11-25T00:00:00"
    assert all(w["target"] for w in by_schema["CryptoWallet"] if "topics" in w["properties"])


def test_a_value_the_ftm_model_refuses_is_an_error_never_dropped():
    from datetime import date

    from sanctions_feed.publish.ftm import _entity

    with pytest.raises(ValueError, match="Sanction.startDate: 'not a date' is not a valid date"):
        _entity("sf-x", "Sanction", {"startDate": ["not a date"]}, {"sanctions_feed_x"}, date(2026, 1, 1),
                date(2026, 1, 1), False)
