"""The OFAC advanced-XML spider in-process, on saved files: every feature of every party, with
reference IDs resolved by name from the file's own tables."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from sanctions_feed.spiders.framework.base import SourceError
from sanctions_feed.spiders.ofac_sdn import OfacSdnSpider, parse_sdn_advanced

from .builders import NS_OLD, OTHER_IDS, SAMPLE_PARTIES, TODAY_IDS, ReferenceIds, feature, sdn_advanced_xml, zipped
from .conftest import real_fixture
from .spider_driver import drive


def crawl(tmp_path, body: bytes, name: str = "SDN_ADVANCED.XML") -> list[dict]:
    path = tmp_path / name
    path.write_bytes(body)
    items, _ = drive(OfacSdnSpider(location=str(path)), lambda request: (200, path.read_bytes()))
    return items


def listing_facts(items) -> list[tuple]:
    return [(item["listing"]["source_record_id"], item["listing"]["raw_label"], item["listing"]["raw_address"],
             item["listing"]["holder"]["name"], item["listing"]["holder"]["type"], tuple(item["listing"]["programs"]),
             item["listing"]["listed_on"]) for item in items if "listing" in item]


def expected_facts(parties) -> list[tuple]:
    return [(p["fixed_ref"], code, address, p["name"], p["type"], tuple(sorted(p["programs"])), p["listed_on"].isoformat())
            for p in parties for code, address in p["addresses"]]


@pytest.mark.parametrize("ids", [TODAY_IDS, OTHER_IDS], ids=["today's ids", "other ids"])
def test_every_feature_of_every_party(tmp_path, ids):
    items = crawl(tmp_path, sdn_advanced_xml(SAMPLE_PARTIES, ids=ids))
    assert listing_facts(items) == expected_facts(SAMPLE_PARTIES)
    snapshot = items[-1]["snapshot"]
    assert snapshot["as_of"] == "2026-11-20" and snapshot["records"] == len(expected_facts(SAMPLE_PARTIES)) == 21
    assert not [item for item in items if "rejected" in item]


def test_zip_and_old_namespace_give_the_same_listings(tmp_path):
    plain = listing_facts(crawl(tmp_path, sdn_advanced_xml(SAMPLE_PARTIES)))
    zipped_old = crawl(tmp_path, zipped("SDN_ADVANCED.XML", sdn_advanced_xml(SAMPLE_PARTIES, namespace=NS_OLD)), "x.zip")
    assert listing_facts(zipped_old) == plain


def test_a_feature_without_a_value_is_rejected_not_dropped(tmp_path):
    party = {**SAMPLE_PARTIES[2], "addresses": [("XBT", "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"), ("ETH", " ")]}
    items = crawl(tmp_path, sdn_advanced_xml([party]))
    (rejected,) = [item["rejected"] for item in items if "rejected" in item]
    assert rejected["source_record_id"] == "48603" and "Digital Currency Address - ETH without a value" in rejected["reason"]
    assert len(listing_facts(items)) == 1 and items[-1]["snapshot"]["records"] == 2


def test_new_currency_code_shows_up():
    party = {**SAMPLE_PARTIES[2], "addresses": [("FOO", "foo1someaddress"), ("XBT", "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z")]}
    parsed = parse_sdn_advanced(io.BytesIO(sdn_advanced_xml([party], extra_codes=["FOO"], ids=OTHER_IDS)))
    assert "FOO" in parsed.codes
    assert parsed.parties[0].addresses == party["addresses"]


@pytest.mark.parametrize(("body", "problem"), [
    (b"<html><body>503 Service Unavailable</body></html>", "an HTML page instead of XML"),
    (sdn_advanced_xml(SAMPLE_PARTIES)[:3000], "truncated"),
    (b"", "empty"),
    (zipped("readme.txt", b"hello"), "0 .xml files"),
])
def test_bad_input_fails_the_source_with_the_file_named(tmp_path, body, problem):
    with pytest.raises(SourceError) as failure:
        crawl(tmp_path, body, "bad.xml")
    assert str(failure.value).startswith(f"ofac_sdn: {tmp_path / 'bad.xml'}: ") and problem in str(failure.value)


# Real parties of the 2020 consolidated list (its structure: identities, name part groups, party
# sub-types, sanctions entries), given Digital Currency features under feature-type IDs of our own.
# Each has two SanctionsEntries (its own list and the "Consolidated List"): listed on = the earliest.
REAL_PARTIES = {
    "9639": ("HANIYA, Ismail Abdul Salah", "individual", ("NS-PLC",), "2006-04-12",
             [("XBT", "12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz"), ("ETH", "0x901bb9583b24d97e995513c6778dc6888ab6870e")]),
    "18789": ("KONTSERN ORION OAO", "entity", ("UKRAINE-EO13662",), "2015-12-22",
              [("USDT", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre"), ("XBT", "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"),
               ("XMR", "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL")]),
}


def real_file_with_features(ids: ReferenceIds) -> bytes:
    text = real_fixture("ofac/advanced/cons_advanced-2020-03-17.xml").read_text(encoding="utf-8")
    codes = sorted({code for *_, addresses in REAL_PARTIES.values() for code, _ in addresses})
    types = "".join(f'<FeatureType ID="{ids.feature_type(c)}" FeatureTypeGroupID="1">Digital Currency Address - {c}</FeatureType>'
                    for c in codes)
    text = text.replace("<FeatureTypeValues>", "<FeatureTypeValues>" + types, 1)
    for ref, (*_, addresses) in REAL_PARTIES.items():
        start = text.index(f'<Profile ID="{ref}"')
        end = text.index("</Profile>", start)
        features = "".join(feature(ref, i, code, address, ids) for i, (code, address) in enumerate(addresses))
        text = text[:end] + features + text[end:]
    return text.encode("utf-8")


def test_real_file_structure_with_digital_currency_features(tmp_path):
    ids = ReferenceIds(feature_base=99001)
    items = crawl(tmp_path, real_file_with_features(ids))
    expected = [(ref, code, address, name, kind, programs, listed)
                for ref, (name, kind, programs, listed, addresses) in REAL_PARTIES.items() for code, address in addresses]
    assert listing_facts(items) == expected
    assert items[-1]["snapshot"]["as_of"] == "2020-03-17"


def test_real_file_without_features_names_no_address(tmp_path):
    path = real_fixture("ofac/advanced/cons_advanced-2020-03-17.xml")
    with path.open("rb") as handle:
        parsed = parse_sdn_advanced(handle)
    assert parsed.date_of_issue == date(2020, 3, 17) and parsed.parties == [] and parsed.codes == set()
    # Its 375 parties are read (a party without features is skipped, not an error).
    assert len(re.findall(rb"<DistinctParty ", path.read_bytes())) == 375
