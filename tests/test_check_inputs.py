"""What people paste into screening: payment links, labelled addresses, damaged addresses. `check`
reads every URI form of every chain the feed lists, and never calls a damaged input clean."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.normalize import normalize
from sanctions_feed.normalize.keys import URI_SCHEMES, payment_uri
from sanctions_feed.normalize.labels import parse_label
from sanctions_feed.publish.release import read_addresses, read_index
from sanctions_feed.schemas.address import CAIP2, EVM_CHAINS
from sanctions_feed.schemas.feed import ListingEvent
from sanctions_feed.screening import INVALID, MATCH, NO_MATCH, NOT_AN_ADDRESS, Screen

from .test_screening import OFAC_BTC, OFAC_ETH, UNLISTED_BTC, listed

USDT_CONTRACT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
SCHEMES_BY_CHAIN: dict[str, list[str]] = {}
for _scheme, _label in URI_SCHEMES.items():
    SCHEMES_BY_CHAIN.setdefault(parse_label(_label).chain, []).append(_scheme)  # type: ignore[arg-type]
SCHEMES_BY_CHAIN["bitcoin-cash"] = ["bitcoincash"]


def check(feeds, *args):
    return CliRunner().invoke(cli, ["check", "--feeds", str(feeds), *args])


def uri_forms(address) -> list[str]:
    """Every payment-link form a wallet or QR code writes for a listed address."""
    shown = address.display if address.chain != "bitcoin-cash" else address.address.split(":")[1]
    forms = []
    for scheme in SCHEMES_BY_CHAIN.get(address.chain, []):
        forms += [f"{scheme}:{shown}", f"{scheme}:{shown}?amount=0.1&label=Shop%20A", f"{scheme.upper()}:{shown}"]
    if address.chain in EVM_CHAINS:
        chain_id = CAIP2[address.chain].split(":")[1]
        forms += [f"ethereum:{shown}@{chain_id}", f"ethereum:pay-{shown}@{chain_id}?value=2.014e18",
                  f"ethereum:{USDT_CONTRACT}@{chain_id}/transfer?address={shown}&uint256=1e6"]
    return forms


def test_every_uri_form_of_every_chain_the_feed_lists_matches(sample_feed):
    version = read_index(sample_feed).latest
    addresses = [a for a in read_addresses(sample_feed, version)
                 if a.kind == "address" and a.validity == "valid" and a.status == "active"]
    screen = Screen(addresses)
    chains = {a.chain for a in addresses}
    assert {"bitcoin", "ethereum", "tron"} <= chains
    tried = set()
    for address in addresses:
        for form in uri_forms(address):
            results = screen.check(form)
            assert MATCH in [r.status for r in results], (form, [r.status for r in results])
            assert address in [m for r in results for m in r.matches], form
            tried.add(address.chain)
    assert tried == chains & set(SCHEMES_BY_CHAIN) | (chains & set(EVM_CHAINS))


@pytest.mark.parametrize(("uri", "named"), [
    ("bitcoin:3My1ffQr5qQzmq4aBFgRqwRYqfB5zPAt8t?amount=0.1", [("3My1ffQr5qQzmq4aBFgRqwRYqfB5zPAt8t", "BTC")]),
    (f"ethereum:{OFAC_ETH}@1", [(OFAC_ETH, "ETH")]),
    (f"ethereum:pay-{OFAC_ETH}@137?value=1", [(OFAC_ETH, "ETH")]),
    (f"ethereum:{USDT_CONTRACT}@1/transfer?address={OFAC_ETH}&uint256=1", [(USDT_CONTRACT, "ETH"), (OFAC_ETH, "ETH")]),
    ("tron:TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", [("TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "TRX")]),
    ("ripple:rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe?dt=7", [("rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe (tag 7)", "XRP")]),
    ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a?amount=1",
     [("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "BCH")]),
    ("mailto:someone@example.org", None),
    ("ETH:0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535", None),  # a label, not a URI scheme: read by `labelled`
])
def test_payment_uri_names_the_addresses_it_pays(uri, named):
    assert payment_uri(uri) == named


def test_an_evm_address_without_0x_under_an_evm_label_is_that_address_in_the_feed_and_in_check():
    bare = OFAC_ETH[2:].upper()
    (reading,) = normalize(bare, "ETH")
    assert (reading.address, reading.validity, reading.issues) == (OFAC_ETH, "valid", ("no_checksum", "prefix_added"))
    assert normalize(bare)[0].kind == "unknown"  # no label, no 0x: 40 hex digits could be anything
    screen = Screen([listed(OFAC_ETH, "ETH")])
    assert [r.status for r in screen.check(f"ETH: {bare}")] == [MATCH]


@pytest.mark.parametrize(("text", "status", "issue", "near"), [
    ("0x12", INVALID, "truncated", None),
    (OFAC_ETH[:-1], INVALID, "truncated", "one_character_off"),
    (OFAC_ETH[:-6], INVALID, "truncated", "truncated"),
    (OFAC_BTC[:-1] + ("a" if OFAC_BTC[-1] != "a" else "b"), INVALID, "checksum_failed", "one_character_off"),
    (OFAC_BTC[:20], NOT_AN_ADDRESS, "not_an_address", "truncated"),
    (OFAC_BTC[:5] + OFAC_BTC[6:], NOT_AN_ADDRESS, "not_an_address", "one_character_off"),
    (OFAC_BTC.swapcase(), NOT_AN_ADDRESS, "not_an_address", "case_differs"),
    ("hello", NOT_AN_ADDRESS, "not_an_address", None),
])
def test_an_input_that_is_no_valid_address_gets_its_own_verdict_and_a_near_miss_is_named(text, status, issue, near):
    screen = Screen([listed(OFAC_BTC, "XBT"), listed(OFAC_ETH, "ETH")])
    (result,) = screen.check(text)
    assert (result.status, issue in result.issues) == (status, True), result
    assert [how for how, _ in result.near_misses] == ([near] if near else [])
    if near:
        assert near.replace("_", " ") in result.note


def test_check_exit_3_when_nothing_matched_but_some_input_was_damaged_even_with_hits_only(sample_feed):
    damaged = check(sample_feed, "--hits-only", "--format", "json", UNLISTED_BTC, OFAC_ETH[:-1])
    assert damaged.exit_code == 3, damaged.output
    (line,) = [json.loads(x) for x in damaged.stdout.splitlines()]
    assert line["status"] == INVALID and "truncated" in line["issues"]
    assert line["near_misses"][0]["id"] == f"ethereum:{OFAC_ETH}"
    assert "0 matched, 1 not a valid address" in damaged.stderr
    assert check(sample_feed, UNLISTED_BTC).exit_code == 0
    assert check(sample_feed, OFAC_ETH, "0x12").exit_code == 1  # a match outranks a damaged input
    text = check(sample_feed, "0x12").stdout
    assert text.startswith("not a valid address (") and "truncated" in text


def test_check_on_a_day_labels_each_listing_with_its_status_that_day():
    events = [ListingEvent(event="listed", date=date(2024, 1, 1)), ListingEvent(event="expired", date=date(2024, 8, 1))]
    address = listed(OFAC_BTC, "XBT", status="expired", events=events)
    address.listings[0].valid_until = date(2024, 7, 31)
    from sanctions_feed.screening.results import match_fields as _match_fields

    on_day = _match_fields(address, date(2024, 6, 1))
    assert (on_day["address_status"], on_day["listings"][0]["status"]) == ("active", "active")
    today = _match_fields(address, None)
    assert (today["address_status"], today["listings"][0]["status"]) == ("expired", "expired")
    before = _match_fields(address, date(2023, 1, 1))
    assert before["listings"][0]["status"] == "not_yet_listed"
    assert [r.status for r in Screen([address], date(2023, 1, 1)).check(OFAC_BTC)] == [NO_MATCH]


@pytest.mark.parametrize("version", [0x00, 0x05, 0x41, 0x30, 0x6F], ids=["P2PKH", "P2SH", "TRON", "Litecoin: none", "testnet: none"])
def test_the_quick_reading_is_exactly_the_normalizers_or_none(version):
    """Bulk screening reads the commonest forms without the normalizer: never another reading."""
    import hashlib

    from sanctions_feed.normalize.codecs import b58check_encode
    from sanctions_feed.normalize.keys import QUICK_CHAINS, quick_reading, screen_readings

    for n in range(300):
        payload = bytes([version]) + hashlib.sha256(f"{version}-{n}".encode()).digest()[:20]
        text = b58check_encode(payload)
        quick = quick_reading(text)
        assert (quick is not None) == (version in QUICK_CHAINS)
        if quick is not None:
            assert [quick] == screen_readings(text)
        evm = "0x" + payload[1:].hex()
        assert [quick_reading(evm)] == screen_readings(evm)
        broken = text[:-1] + ("2" if text[-1] != "2" else "3")  # a checksum that fails: the normalizer says why
        assert quick_reading(broken) is None and screen_readings(broken)[0].validity == "invalid"
