"""Real lists: OFAC's per-code address lists, the known bad OFAC entries, the Israeli orders."""

from __future__ import annotations

import csv
import json

import pytest

from sanctions_feed.normalize import normalize

from .conftest import real_fixture, real_fixtures_dir

CODE_CHAINS = {
    "ARB": "arbitrum", "BCH": "bitcoin-cash", "BSC": "bsc", "BSV": "bitcoin-sv",
    "BTG": "bitcoin-gold", "DASH": "dash", "ETC": "ethereum-classic", "ETH": "ethereum",
    "LTC": "litecoin", "TRX": "tron", "XBT": "bitcoin", "XMR": "monero", "XRP": "xrp",
    "XVG": "verge", "ZEC": "zcash", "USDC": "ethereum",
}
KNOWN_BAD = {"5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"}
WRONG_CODE = {"TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq": "tron"}


def newest_reference_rows():
    root = real_fixtures_dir() / "reference-lists" / "0xB10C"
    if not root.exists():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{root} absent"))]
    newest = sorted(root.iterdir())[-1]
    rows = []
    for path in sorted(newest.glob("sanctioned_addresses_*.txt")):
        code = path.stem.rsplit("_", 1)[1]
        rows += [(code, line.strip()) for line in path.read_text().splitlines() if line.strip()]
    return rows


def _usdt_chain(address: str) -> str:
    return "ethereum" if address.startswith("0x") else "tron" if address.startswith("T") else "bitcoin"


@pytest.mark.parametrize("code,address", newest_reference_rows())
def test_newest_ofac_reference_list(code, address):
    (result,) = normalize(address, code)
    expected_chain = WRONG_CODE.get(address) or CODE_CHAINS.get(code) or _usdt_chain(address)
    assert result.chain == expected_chain
    assert result.asset == code
    if address in KNOWN_BAD:
        assert result.validity == "invalid"
    else:
        assert result.validity == "valid", result
    if address in WRONG_CODE:
        assert "chain_differs_from_label" in result.issues
    if address.startswith("0x"):
        assert result.address == address.lower()


def test_ofac_observed_bad_entries():
    data = json.loads(real_fixture("vectors/ofac_observed.json").read_text())
    for case in data["wrong_code_or_not_an_address"]:
        (result,) = normalize(case["string"], case["code"])
        if case["code"] == "XBT":
            assert (result.chain, result.validity) == ("tron", "valid")
            assert "chain_differs_from_label" in result.issues
        else:
            assert (result.chain, result.validity) == ("monero", "invalid")
    for case in data["truncated_historic"]:
        (result,) = normalize(case["string"], case["code"])
        assert result.validity == "invalid" and "truncated" in result.issues
        (fixed,) = normalize(case["corrected"], case["code"])
        assert fixed.validity == "valid"
    for address in data["usdt_omni_on_bitcoin"]:
        (result,) = normalize(address, "USDT")
        assert (result.chain, result.validity, result.asset) == ("bitcoin", "valid", "USDT")
    for address, codes in data["cross_listed_same_address"].items():
        results = [normalize(address, code)[0] for code in codes]
        assert {r.address for r in results} == {address.lower()}
        assert all(r.validity == "valid" for r in results)
    legacy, bare = data["bch_mixed_forms"]["legacy"], data["bch_mixed_forms"]["cashaddr_without_prefix_example"]
    assert normalize(legacy, "BCH")[0].validity == "valid"
    assert normalize(bare, "BCH")[0].address == "bitcoincash:" + bare
    xvg = data["xvg_also_valid_as_dogecoin"]
    assert normalize(xvg, "XVG")[0].chain == "verge"
    assert normalize(xvg, "DOGE")[0].chain == "dogecoin"


def test_israeli_seizure_table_is_fully_classified():
    path = real_fixture("nbctf/opensanctions-seizures-2026.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lookalikes = replaced = accounts = addresses = 0
    for row in rows:
        if row["account_id"]:
            (result,) = normalize(row["account_id"], f"{row['platform']} account")
            assert result.kind == "exchange_account"
            assert result.platform == (row["platform"].lower() or "unknown")
            accounts += 1
            continue
        raw = row["wallet_address"]
        results = normalize(raw, row["currency"])
        assert results and all(r.kind != "unknown" for r in results), (raw, results)
        addresses += len(results)
        if not raw.isascii():
            lookalikes += 1
            (result,) = results
            if result.validity == "valid":
                replaced += 1
                assert "homoglyphs_replaced" in result.issues and result.address.isascii()
            else:  # kept exactly as published, flagged
                assert result.address == raw and result.validity == "invalid"
    assert accounts == sum(1 for r in rows if r["account_id"])
    assert addresses >= sum(1 for r in rows if r["wallet_address"])
    assert lookalikes >= 90
    assert replaced == lookalikes, f"{lookalikes - replaced} look-alike addresses did not validate"
