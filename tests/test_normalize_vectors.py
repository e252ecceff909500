"""Every published address test vector (../shared/fixtures/vectors), as parametrized tests."""

from __future__ import annotations

import json

import pytest

from sanctions_feed.normalize import codecs, normalize, primitives
from sanctions_feed.normalize.forms import eip55

from .conftest import real_fixtures_dir


@pytest.fixture(autouse=True, params=["portable", "fast"])
def backend(request, monkeypatch):
    """Every vector runs on both Keccak/base58 paths: the portable default and the compiled one."""
    if request.param == "fast":
        if not hasattr(primitives, "keccak256_fast"):
            pytest.skip("the compiled fast path is not installed (pip install 'sanctions-feed[fast]')")
        monkeypatch.setattr(primitives, "keccak256", primitives.keccak256_fast)
        monkeypatch.setattr(primitives, "b58decode", primitives.b58decode_fast)
    else:
        monkeypatch.setattr(primitives, "keccak256", primitives.keccak256_portable)
        monkeypatch.setattr(primitives, "b58decode", primitives.b58decode_portable)
    return request.param


def test_both_paths_agree_on_keccak_and_base58():
    assert primitives.keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert primitives.b58decode("1111") == b"\0\0\0\0"
    assert primitives.b58decode("rrrr", primitives.RIPPLE_ALPHABET) == b"\0\0\0\0"
    for bad in ("0OIl", " 1abc", "1abc\n", "abcé"):
        with pytest.raises(ValueError):
            primitives.b58decode(bad)


def _vectors(name: str) -> dict:
    path = real_fixtures_dir() / "vectors" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _params(name: str, pick):
    data = _vectors(name)
    if not data:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"vectors/{name}.json absent"))]
    return pick(data)


def one(raw, label=None):
    results = normalize(raw, label)
    assert len(results) == 1, results
    return results[0]


# --- BIP-173 / BIP-350: the bech32 layer, then segwit addresses ----------------------------

@pytest.mark.parametrize("case", _params("bip173", lambda d: d["valid_bech32"]))
def test_bip173_valid_bech32_strings(case):
    assert codecs.bech32_decode(case["string"])[2] == codecs.BECH32


@pytest.mark.parametrize("case", _params("bip350", lambda d: d["valid_bech32m"]))
def test_bip350_valid_bech32m_strings(case):
    assert codecs.bech32_decode(case["string"])[2] == codecs.BECH32M


@pytest.mark.parametrize("case", _params("bip173", lambda d: d["invalid_bech32"]))
def test_bip173_invalid_bech32_strings(case):
    with pytest.raises(ValueError):
        codecs.bech32_decode(case["string"])


@pytest.mark.parametrize("case", _params("bip350", lambda d: d["invalid_bech32m"]))
def test_bip350_invalid_bech32m_strings(case):
    try:
        encoding = codecs.bech32_decode(case["string"])[2]
    except ValueError:
        return
    assert encoding != codecs.BECH32M


@pytest.mark.parametrize("case", _params("bip350", lambda d: d["valid_segwit_address"])
                         + _params("bip173", lambda d: [c for c in d["valid_segwit_address"]
                                                        if not c["superseded_by_bip350"]]))
def test_valid_segwit_addresses(case):
    result = one(case["string"], "XBT")
    assert (result.chain, result.validity) == ("bitcoin", "valid")
    assert result.address == case["string"].lower()
    _, version, program = codecs.segwit_decode(case["string"])
    spk = bytes([version + 0x50 if version else 0, len(program)]) + program
    assert spk.hex() == case["scriptPubKey"]


@pytest.mark.parametrize("case", _params("bip173", lambda d: d["invalid_segwit_address"]
                                         + [c for c in d["valid_segwit_address"] if c["superseded_by_bip350"]])
                         + _params("bip350", lambda d: d["invalid_segwit_address"]))
def test_invalid_segwit_addresses(case):
    assert all(r.validity == "invalid" for r in normalize(case["string"], "XBT"))


# --- Bitcoin key_io ------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params("bitcoin_key_io", lambda d: d["valid_main"]))
def test_bitcoin_key_io_valid(case):
    result = one(case[0], "XBT")
    assert (result.chain, result.validity) == ("bitcoin", "valid")


@pytest.mark.parametrize("string", _params("bitcoin_key_io", lambda d: d["invalid_main_like"]))
def test_bitcoin_key_io_invalid(string):
    assert all(r.validity != "valid" for r in normalize(string, "XBT"))


# --- CashAddr ------------------------------------------------------------------------------

@pytest.mark.parametrize("string", _params("cashaddr", lambda d: d["checksum_only_valid"]))
def test_cashaddr_checksums(string):
    prefix, _, payload = string.rpartition(":")
    assert codecs.cashaddr_checksum_ok(prefix, payload)
    assert not codecs.cashaddr_checksum_ok(prefix, payload[:-1] + ("q" if payload[-1] != "q" else "p"))


@pytest.mark.parametrize("case", _params("cashaddr", lambda d: d["legacy_to_cashaddr"]))
def test_cashaddr_and_its_legacy_form(case):
    new = one(case["cashaddr"], "BCH")
    assert (new.chain, new.validity, new.address) == ("bitcoin-cash", "valid", case["cashaddr"])
    legacy = one(case["legacy"], "BCH")
    assert (legacy.chain, legacy.validity, legacy.address) == ("bitcoin-cash", "valid", case["legacy"])
    bare = one(case["cashaddr"].split(":")[1].upper(), "BCH")
    assert bare.address == case["cashaddr"] and "prefix_added" in bare.issues


@pytest.mark.parametrize("case", _params("cashaddr", lambda d: d["larger_vectors"]))
def test_cashaddr_larger_vectors_decode(case):
    _, kind, body = codecs.cashaddr_decode(case["cashaddr"])
    assert (kind, body.hex()) == (case["type"], case["hash_hex"].lower())


def test_cashaddr_mixed_case_rejected():
    assert one("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6A", "BCH").validity == "invalid"


# --- EIP-55 --------------------------------------------------------------------------------

@pytest.mark.parametrize("string", _params("eip55", lambda d: d["valid_checksummed"]))
def test_eip55_valid(string):
    result = one(string, "ETH")
    assert (result.chain, result.validity, result.address) == ("ethereum", "valid", string.lower())
    # The spec's all-caps and all-lower examples are EIP-55 forms too: their checksum holds.
    assert result.display == eip55(string[2:].lower()) == string
    assert "no_checksum" not in result.issues


@pytest.mark.parametrize("case", _params("eip55", lambda d: d["derived_invalid_case_flipped"]))
def test_eip55_case_flip_fails(case):
    result = one(case["string"], "ETH")
    assert result.validity == "invalid" and "checksum_failed" in result.issues
    assert result.display == case["derived_from"]


# --- Monero, TRON, XRP ---------------------------------------------------------------------

@pytest.mark.parametrize("case", _params("monero", lambda d: d["valid"]))
def test_monero_valid(case):
    result = one(case["address"], "XMR")
    assert (result.chain, result.validity) == ("monero", "valid")
    assert ("testnet" in result.issues) == (case["net"] == "testnet")


@pytest.mark.parametrize("case", _params("monero", lambda d: d["derived_invalid"]))
def test_monero_invalid(case):
    result = one(case["string"], "XMR")
    assert (result.chain, result.validity) == ("monero", "invalid")


@pytest.mark.parametrize("case", _params("tron", lambda d: d["valid"]))
def test_tron_valid(case):
    result = one(case["address"], "TRX")
    assert (result.chain, result.validity, result.address) == ("tron", "valid", case["address"])


@pytest.mark.parametrize("case", _params("tron", lambda d: d["derived_invalid"]))
def test_tron_invalid(case):
    result = one(case["string"], "TRX")
    assert (result.chain, result.validity) == ("tron", "invalid")


@pytest.mark.parametrize("case", _params("xrp", lambda d: d["x_address_cases"]))
def test_xrp_classic_and_x_addresses(case):
    for string in (case["classic"], case["x_main"], case["x_test"]):
        result = one(string, "XRP")
        assert (result.chain, result.validity, result.address) == ("xrp", "valid", string)
    assert "testnet" in one(case["x_test"], "XRP").issues


@pytest.mark.parametrize("case", _params("xrp", lambda d: [c for c in d["x_address_cases"] if c["tag"] is not None]))
def test_xrp_tagged_deposit_displays_as_its_x_address(case):
    result = one(f"{case['classic']} (Address tag {case['tag']})*", "XRP")
    assert (result.kind, result.tag, result.display, result.validity) == ("tagged_deposit", str(case["tag"]), case["x_main"], "valid")
    assert result.id == f"tagged:xrp:{case['classic']}:{case['tag']}"


@pytest.mark.parametrize("case", _params("xrp", lambda d: d["valid_classic"]))
def test_xrp_valid_classic(case):
    assert one(case["address"], "XRP").validity == "valid"


@pytest.mark.parametrize("case", _params("xrp", lambda d: d["invalid"]))
def test_xrp_invalid(case):
    assert all(r.validity == "invalid" for r in normalize(case["string"], "XRP"))


@pytest.mark.parametrize("raw", ["(Address tag 123)", "35561732 (Address tag 9)"])
def test_a_tag_without_an_address_is_never_a_tagged_deposit(raw):
    (result,) = normalize(raw, "חשבון Binance" if raw[0].isdigit() else "XRP")
    assert result.kind != "tagged_deposit" and "tag_unassigned" in result.issues
