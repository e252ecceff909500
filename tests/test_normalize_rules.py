"""The rules normalize applies on top of the specs, one row per branch, each named: which chain a
label decides, when a chain is assumed, what a look-alike letter becomes, what is joined back.
The checksums themselves are pinned by the spec vectors (test_normalize_vectors.py)."""

from __future__ import annotations

import pytest

from sanctions_feed.normalize import normalize
from sanctions_feed.normalize.text import _LOOKALIKES

TRON = "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"
P2SH = "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm"  # version byte 0x05: Bitcoin, its forks and Litecoin alike
LITECOIN = "Leo3j36nn1JcsUQruytQhFUdCdCH5YHMR3"
BECH32 = "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"
EVM = "0x901bb9583b24d97e995513c6778dc6888ab6870e"
EIP55 = "0x52908400098527886E0F7030069857D2E4169EE7"
SOLANA_KEY = "So11111111111111111111111111111111111111112"  # 32 bytes in base58, no checksum
XRP = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"

ROWS = [
    # (rule, raw, label, (kind, chain, validity, issues))
    ("the label's chain among the readings", P2SH, "XBT", ("address", "bitcoin", "valid", ())),
    ("a shared version byte read under the label that shares it (LTC 3...)", P2SH, "LTC",
     ("address", "litecoin", "valid", ())),
    ("no label, several chains fit: the first, assumed", P2SH, None, ("address", "bitcoin", "valid", ("chain_assumed",))),
    ("no label, one chain fits", LITECOIN, None, ("address", "litecoin", "valid", ())),
    ("an exclusive reading of another chain wins over the label (TRON filed as Bitcoin)", TRON, "XBT",
     ("address", "tron", "valid", ("chain_differs_from_label",))),
    ("a shared reading that is not the label's chain: invalid, format of another chain", P2SH, "ETH",
     ("address", "ethereum", "invalid", ("format_of_other_chain",))),
    ("a short string under a label: wrong length", "0x12", "ETH", ("address", "ethereum", "invalid", ("truncated", "wrong_length"))),
    ("an unsupported label and a shared reading: unverifiable", P2SH, "ADA",
     ("address", "unknown", "unverifiable", ("unsupported_chain",))),
    ("an unsupported label and an exclusive reading: that chain", BECH32, "ADA",
     ("address", "bitcoin", "valid", ("chain_differs_from_label",))),
    ("EVM without a label: Ethereum, assumed", EVM, None, ("address", "ethereum", "valid", ("chain_assumed", "no_checksum"))),
    ("EIP-55 checksummed, labelled", EIP55, "ETH", ("address", "ethereum", "valid", ())),
    ("a bare 32-byte key without a label: Solana, assumed", SOLANA_KEY, None,
     ("address", "solana", "valid", ("chain_assumed", "no_checksum"))),
    ("a bare 32-byte key under SOL: Solana", SOLANA_KEY, "SOL", ("address", "solana", "valid", ("no_checksum",))),
    ("a bare 32-byte key under another chain's label: never Solana", SOLANA_KEY, "XBT",
     ("address", "bitcoin", "invalid", ("not_an_address",))),
    ("a bare 32-byte key under an unsupported label: never Solana", SOLANA_KEY, "ADA",
     ("address", "unknown", "unverifiable", ("unsupported_chain",))),
    ("a bare 32-byte key under an exchange's label: its account", SOLANA_KEY, "Binance",
     ("exchange_account", "unknown", "unverifiable", ())),
    ("digits under an exchange's label: an account there", "12345", "Binance", ("exchange_account", "unknown", "unverifiable", ())),
    ("5 digits without a label: an account, platform unknown", "12345", None,
     ("exchange_account", "unknown", "unverifiable", ("platform_unknown",))),
    ("4 digits: too short for an account", "1234", None, ("unknown", "unknown", "invalid", ("not_an_address",))),
    ("21 digits: too long for an account", "1" * 21, None, ("unknown", "unknown", "invalid", ("not_an_address",))),
    ("20 digits: still an account", "1" * 20, None, ("exchange_account", "unknown", "unverifiable", ("platform_unknown",))),
    ("an XRP classic address", XRP, "XRP", ("address", "xrp", "valid", ())),
    ("one look-alike letter with one valid reading: replaced", TRON.replace("M", "М"), "TRX",
     ("address", "tron", "valid", ("homoglyphs_replaced",))),
    ("a look-alike that validates nowhere: kept, non-ASCII", TRON.replace("M", "М")[:-1] + "x", "TRX",
     ("address", "tron", "invalid", ("non_ascii_characters",))),
    ("an address cut by a space, valid when joined", BECH32[:30] + " " + BECH32[30:], "XBT",
     ("address", "bitcoin", "valid", ("whitespace_stripped",))),
]


@pytest.mark.parametrize("raw, label, expected", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_rule(raw, label, expected):
    (result,) = normalize(raw, label)
    assert (result.kind, result.chain, result.validity, result.issues) == expected


def test_ambiguous_look_alikes_are_never_resolved_to_the_first_reading():
    """`ѕ` may be `s` or `S`; in a key with no checksum both read: kept as written, invalid."""
    written = "ѕ" + SOLANA_KEY[1:]
    assert {r.validity for r in normalize("s" + SOLANA_KEY[1:], "SOL")} == {"valid"}
    (result,) = normalize(written, "SOL")
    assert (result.address, result.validity, result.issues) == (written, "invalid", ("homoglyphs_ambiguous",))


def test_two_valid_addresses_side_by_side_are_never_joined():
    results = normalize(f"{BECH32} {TRON}", None)
    assert [(r.chain, r.address, r.validity) for r in results] == [("bitcoin", BECH32, "valid"), ("tron", TRON, "valid")]


def test_pieces_that_do_not_validate_joined_are_kept_apart():
    results = normalize(f"{BECH32[:30]} {TRON[:20]}", "XBT")
    assert [r.validity for r in results] == ["invalid", "invalid"] and len(results) == 2


def test_pieces_are_joined_only_into_a_valid_address():
    """An account number and a stray number stay apart (joined they would read as one account, which
    is unverifiable, not valid)."""
    assert [(r.address, r.validity) for r in normalize("12345 678", None)] == [
        ("12345", "unverifiable"), ("678", "invalid")]


def test_an_unverifiable_piece_is_not_joined_to_a_valid_one():
    results = normalize(f"12345 {TRON}", "TRX")
    assert {r.address for r in results} == {"12345", TRON}


@pytest.mark.parametrize("raw, kind, tag, issues", [
    pytest.param(f"{XRP} (destination tag 102334770)", "tagged_deposit", "102334770", (), id="one address, one tag"),
    pytest.param(f"{XRP} (tag 1) (tag 2)", "address", None, ("tag_unassigned",), id="two tags: none assigned"),
    pytest.param(f"{XRP} {TRON} (memo 7)", "address", None, ("tag_unassigned",), id="two addresses: none assigned"),
])
def test_tags(raw, kind, tag, issues):
    first = normalize(raw, None)[0]
    assert (first.kind, first.tag) == (kind, tag) and set(issues) <= set(first.issues)


# One generated test per look-alike table entry: the letter, written with its look-alike inside a
# checksummed address, reads back as the address. Targets no address alphabet holds (O, I) are
# covered by the other targets of the same entry.
POOL = [(TRON, "TRX", 1), (LITECOIN, "LTC", 1), (BECH32, "XBT", 4), (EIP55, "ETH", 2), (XRP, "XRP", 1),
        ("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "ETH", 2), ("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "ETH", 2),
        ("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", "ETH", 2), ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "XBT", 1),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "XBT", 1), ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "XBT", 4)]


def _cases():
    for char, targets in sorted(_LOOKALIKES.items()):
        for target in targets:
            for address, label, start in POOL:
                at = address.find(target, start)
                if at >= 0:
                    yield pytest.param(char, target, address, label, at, id=f"{char}={target}")
                    break


CASES = list(_cases())


ALPHABETS = set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # base58 (Bitcoin, XRP's reordered)
                + "qpzry9x8gf2tvdw0s3jn54khce6mua7l" + "0123456789abcdefABCDEF")  # bech32, hex


def test_every_look_alike_entry_is_tested():
    """Every entry with a letter some address alphabet holds (`І` stands only for `I`, which none does)."""
    testable = {char for char, targets in _LOOKALIKES.items() if set(targets) & ALPHABETS}
    assert {case.values[0] for case in CASES} == testable
    assert set(_LOOKALIKES) - testable == {"І"}


@pytest.mark.parametrize("char, target, address, label, at", CASES)
def test_a_look_alike_reads_as_its_letter(char, target, address, label, at):
    written = address[:at] + char + address[at + 1:]
    (result,) = normalize(written, label)
    assert result.validity == "valid" and "homoglyphs_replaced" in result.issues, result
    assert result.display == address or result.address == address.lower()


def test_a_piece_after_a_valid_address_is_joined_with_the_next_piece():
    results = normalize(f"{TRON} {BECH32[:30]} {BECH32[30:]}", None)
    assert [(r.chain, r.address) for r in results] == [("tron", TRON), ("bitcoin", BECH32)]


def test_a_cell_of_words_is_one_not_an_address():
    (result,) = normalize("see the attached list", None)
    assert (result.kind, result.address, result.issues) == ("unknown", "see the attached list", ("not_an_address",))


@pytest.mark.parametrize("tag, x_form", [(102334770, True), (2**32 - 1, True), (2**32, False)],
                         ids=["a tag", "the largest tag an X-address holds", "a tag too large for one"])
def test_an_xrp_deposit_is_shown_as_its_x_address_when_the_tag_fits(tag, x_form):
    from sanctions_feed.normalize.forms import x_address

    (result,) = normalize(f"{XRP} (destination tag {tag})", "XRP")
    assert (result.kind, result.tag) == ("tagged_deposit", str(tag))
    assert result.display == (x_address(XRP, tag) if x_form else XRP)


def test_a_tagged_deposit_of_another_chain_keeps_its_own_form():
    (result,) = normalize(f"{TRON} (memo 12345)", "TRX")
    assert (result.kind, result.tag, result.display) == ("tagged_deposit", "12345", TRON)


def test_an_invalid_xrp_address_with_a_tag_is_never_given_an_x_address():
    broken = XRP[:-1] + ("f" if XRP[-1] != "f" else "g")
    (result,) = normalize(f"{broken} (tag 7)", "XRP")
    assert result.display == broken and result.validity == "invalid"
