"""Drop-in files for what integrators already run: the 0xB10C per-code OFAC lists, per-authority
chain lists, and addresses.parquet."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.lists import ChainLists, OfacCodeLists, SourceLists

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .test_published_files import shared_address

SAMPLES = Path(__file__).parent.parent / "spiders" / "samples"
PREFIX = "Digital Currency Address - "


def code_lists_as_0xb10c_makes_them(xml: bytes) -> dict[str, bytes]:
    """The oracle: what the 0xB10C script writes for an SDN advanced XML, by its published rule
    (every VersionDetail of every feature of type `Digital Currency Address - <CODE>` under
    DistinctParties, deduplicated, sorted; one per line, and a JSON array indented by 2)."""
    root = ET.fromstring(xml)
    local = lambda tag: tag.rsplit("}", 1)[-1]  # noqa: E731
    codes = {ft.get("ID"): ft.text[len(PREFIX):] for ft in root.iter()
             if local(ft.tag) == "FeatureType" and (ft.text or "").startswith(PREFIX)}
    found: dict[str, list[str]] = {}
    parties = next(el for el in root if local(el.tag) == "DistinctParties")
    for feature in parties.iter():
        if local(feature.tag) == "Feature" and feature.get("FeatureTypeID") in codes:
            for detail in feature.iter():
                if local(detail.tag) == "VersionDetail":
                    found.setdefault(codes[feature.get("FeatureTypeID")], []).append(detail.text)
    out = {}
    for code, addresses in found.items():
        ordered = sorted(dict.fromkeys(addresses))
        out[f"sanctioned_addresses_{code}.txt"] = "".join(a + "\n" for a in ordered).encode()
        out[f"sanctioned_addresses_{code}.json"] = (json.dumps(ordered, indent=2) + "\n").encode()
    return out


def published(tmp_path: Path, xml: bytes) -> Path:
    source = tmp_path / "sdn.xml"
    source.write_bytes(xml)
    result = CliRunner().invoke(cli, ["update", "--feeds", str(tmp_path / "feeds"), "--now", "2026-11-25T12:00:00Z",
                                      "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force"])
    assert result.exit_code == 0, result.output
    return tmp_path / "feeds" / "latest"


@pytest.mark.parametrize("xml", [
    (SAMPLES / "ofac_sdn.xml").read_bytes(),
    sdn_advanced_xml(SAMPLE_PARTIES + [{"fixed_ref": "77001", "name": "A PARTY OF MANY CODES", "type": "entity",
                                         "programs": ["CYBER2"], "listed_on": date(2024, 1, 1), "addresses": [
                                             ("ETH", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"),
                                             ("USDC", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"),
                                             ("XBT", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"),
                                             ("DOGE", "DNnJRHw4a1Fkq4mVjM1s2ERgGbZZZJQk5F")]}],
                    extra_codes=["DOGE"]),
], ids=["the bundled sample", "codes discovered (DOGE), one address under two codes, TRON filed as XBT"])
def test_the_ofac_code_lists_are_byte_for_byte_what_0xb10c_writes(tmp_path, xml):
    latest = published(tmp_path, xml)
    ours = {p.name: p.read_bytes() for p in (latest / "compat" / "0xb10c").iterdir()}
    expected = code_lists_as_0xb10c_makes_them(xml)
    assert ours == expected and len(expected) >= 16
    if b"DOGE" in xml:
        assert expected["sanctioned_addresses_DOGE.txt"] == b"DNnJRHw4a1Fkq4mVjM1s2ERgGbZZZJQk5F\n"


def test_a_delisted_party_leaves_its_code_list_empty_but_published(tmp_path):
    dogecoin = {"fixed_ref": "77002", "name": "DOGE HOLDER", "type": "entity", "programs": ["CYBER2"],
                "listed_on": date(2024, 1, 1), "addresses": [("DOGE", "DNnJRHw4a1Fkq4mVjM1s2ERgGbZZZJQk5F")]}
    first = published(tmp_path, sdn_advanced_xml(SAMPLE_PARTIES + [dogecoin], extra_codes=["DOGE"]))
    assert (first / "compat" / "0xb10c" / "sanctioned_addresses_DOGE.txt").read_bytes() != b""
    latest = published(tmp_path, sdn_advanced_xml(SAMPLE_PARTIES, extra_codes=["DOGE"]))
    assert (latest / "compat" / "0xb10c" / "sanctioned_addresses_DOGE.txt").read_bytes() == b""
    assert (latest / "compat" / "0xb10c" / "sanctioned_addresses_DOGE.json").read_bytes() == b"[]\n"


def test_each_authority_has_its_own_chain_lists(tmp_path):
    address = shared_address(eu_status="delisted")  # OFAC lists it, the EU delisted it
    counts = SourceLists().write_all(tmp_path, [address])
    assert (tmp_path / "sources" / "ofac_sdn" / "bitcoin.txt").read_text() == address.address + "\n"
    assert (tmp_path / "sources" / "eu_fsf" / "bitcoin.txt").read_text() == ""  # named, nothing active
    assert counts["sources/ofac_sdn/bitcoin.txt"] == 1 and counts["sources/eu_fsf/bitcoin.txt"] == 0
    # a list once published stays, empty, when the authority no longer names the chain at all
    again = SourceLists().write_all(tmp_path / "next", [], published=list(counts))
    assert again["sources/eu_fsf/bitcoin.txt"] == 0 and (tmp_path / "next" / "sources" / "eu_fsf" / "bitcoin.txt").exists()
    assert ChainLists().folder == "chains" and ChainLists("eu_fsf").folder == "sources/eu_fsf"


def test_the_sample_release_has_lists_per_authority_and_per_ofac_code(sample_feed):
    latest = sample_feed / "latest"
    assert (latest / "sources" / "il_nbctf" / "tron.txt").is_file() and (latest / "sources" / "ofac_sdn" / "evm.txt").is_file()
    manifest = json.loads((latest / "manifest.json").read_text())
    assert "compat/0xb10c/sanctioned_addresses_XBT.txt" in manifest["files"]
    assert "sources/jp_mof/bitcoin.txt" in manifest["files"] and "addresses.parquet" in manifest["files"]


def test_the_parquet_file_has_one_row_per_address_and_round_trips_to_the_json_records(sample_feed):
    import pyarrow.parquet as pq

    latest = sample_feed / "latest"
    records = json.loads((latest / "addresses.json").read_text())["addresses"]
    rows = pq.read_table(latest / "addresses.parquet").to_pylist()
    assert len(rows) == len(records) == json.loads((latest / "manifest.json").read_text())["files"]["addresses.parquet"]["rows"]

    def as_json(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list):
            return [as_json(v) for v in value]
        if isinstance(value, dict):
            return {k: as_json(v) for k, v in value.items()}
        return value

    for row in rows:
        for listing in row["listings"]:
            listing["program_titles"] = dict(listing["program_titles"])
    assert as_json(rows) == records


def test_an_unsigned_release_verifies_only_when_allowed(sample_feed):
    strict = CliRunner().invoke(cli, ["verify", str(sample_feed)])
    assert strict.exit_code == 1 and "missing (the release is unsigned)" in strict.output
    allowed = CliRunner().invoke(cli, ["verify", "--unsigned", str(sample_feed)])
    assert allowed.exit_code == 0 and "unsigned (allowed)" in allowed.output


REFERENCE = "reference-lists/0xB10C"


@pytest.mark.parametrize("day", ["2022-09-03T105324Z", "2024-01-12T002801Z", "2024-09-27T003517Z"])
def test_the_ofac_code_lists_equal_the_real_0xb10c_lists_of_the_same_ofac_state(tmp_path, day):
    """The real lists of a day, written back into an SDN advanced XML (each code's addresses under a
    party of their own, in a shuffled order, one of them twice): our lists are those files, byte
    for byte, every odd string OFAC published included."""
    from .conftest import real_fixture

    folder = real_fixture(f"{REFERENCE}/{day}")
    lists = {p.name: p.read_bytes() for p in sorted(Path(folder).glob("sanctioned_addresses_*.txt"))}
    parties = []
    for number, (name, data) in enumerate(sorted(lists.items())):
        code = name.removeprefix("sanctioned_addresses_").removesuffix(".txt")
        addresses = data.decode().splitlines()
        shuffled = addresses[1::2] + addresses[::2] + addresses[:1]  # not in order, and one again
        parties.append({"fixed_ref": str(80000 + number), "name": f"HOLDER {code}", "type": "entity",
                        "programs": ["CYBER2"], "listed_on": date(2022, 1, 1),
                        "addresses": [(code, a) for a in shuffled]})
    codes = [name.removeprefix("sanctioned_addresses_").removesuffix(".txt") for name in lists]
    latest = published(tmp_path, sdn_advanced_xml(parties, extra_codes=codes))
    ours = {p.name: p.read_bytes() for p in (latest / "compat" / "0xb10c").glob("*.txt")}
    assert ours == lists


def test_the_ofac_code_lists_come_from_the_advanced_xml_never_the_cut_legacy_csv():
    """The legacy CSV cuts remarks at 1,000 characters (`1Gq`): such a string is never copied."""
    from .test_screening import listed

    legacy = listed("1Gq", "XBT").model_copy(deep=True)
    legacy.listings[0].source, legacy.listings[0].assets = "ofac_sdn_legacy", ["XBT"]
    advanced = listed("12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx", "XBT").model_copy(deep=True)
    advanced.listings[0].source, advanced.listings[0].assets = "ofac_sdn", ["XBT"]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        counts = OfacCodeLists().write_all(Path(folder), [legacy, advanced])
        assert (Path(folder) / "compat" / "0xb10c" / "sanctioned_addresses_XBT.txt").read_text() == \
            "12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx\n"
    assert counts["compat/0xb10c/sanctioned_addresses_XBT.txt"] == 1


def test_the_parquet_file_made_in_batches_is_the_same_bytes_as_from_one(sample_feed, tmp_path, monkeypatch):
    """Rows are made 500 at a time (memory); a release rebuilt from older code must still match."""
    from sanctions_feed.publish import parquet
    from sanctions_feed.publish.reading import read_addresses

    addresses = read_addresses(sample_feed, (sample_feed / "latest").resolve().name)
    monkeypatch.setattr(parquet, "BATCH", 7)
    assert parquet.AddressesParquet().write(tmp_path, addresses) == len(addresses) > 7
    assert (tmp_path / "addresses.parquet").read_bytes() == (sample_feed / "latest" / "addresses.parquet").read_bytes()
