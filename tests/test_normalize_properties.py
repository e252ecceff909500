"""Properties of normalization over generated input (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sanctions_feed.normalize import normalize
from sanctions_feed.schemas.address import NORMALIZED_ADDRESS

# Real sanctioned addresses (public facts from the OFAC list), with their labels.
CHECKSUMMED = [
    ("12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9", "BSV"),
    ("bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6", "XBT"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "XBT"),
    ("LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb", "LTC"),
    ("bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "BCH"),
    ("GPwg61XoHqQPNmAucFACuQ5H9sGCDv9TpS", "BTG"),
    ("XnPFsRWTaSgiVauosEwQ6dEitGYXgwznz2", "DASH"),
    ("t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL", "ZEC"),
    ("DFFJhnQNZf8rf67tYnesPu7MuGUpYtzv7Z", "XVG"),
    ("0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1", "ETH"),
    ("TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "TRX"),
    ("rnXyVQzgxZe7TR1EPzTkGj2jxH4LMJYh66", "XRP"),
    ("X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ", "XRP"),
    ("49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL", "XMR"),
]
NO_CHECKSUM = [
    ("0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c", "ARB"),
    ("0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c", "USDT"),
    ("TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ", ""),
    ("qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "BCH"),
    ("Т9z9kZjWvpHcoPXtfᴄGKrpBHAZdTFho2AZ", "USDT"),
]
LABELS = st.sampled_from(["", "XBT", "ETH", "USDT", "TRX", "XMR", "BCH", "SOL", "XLM",
                          "חשבון Binance", "TRON", "ERC20"])


def _key(result):
    return (result.kind, result.chain, result.address, result.display, result.validity)


@settings(max_examples=300)
@given(raw=st.text(), label=st.one_of(st.none(), st.text(max_size=12), LABELS))
def test_never_raises_and_never_returns_nothing(raw, label):
    results = normalize(raw, label)
    assert results
    for result in results:
        assert NORMALIZED_ADDRESS.validate_python(result._asdict()) == result


# Look-alikes as published in the Israeli orders (Cyrillic for Latin), independent of the table
# the implementation uses.
CONFUSABLES = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "A": "А", "B": "В",
               "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т", "X": "Х"}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SURROUNDING = ["", " ", "\t", "\n", "  \r\n", "\u00a0", "\u202f"]


@st.composite
def disturbed(draw):
    """A real address with a label, written badly: padding, invisible characters, look-alikes."""
    address, label = draw(st.sampled_from(CHECKSUMMED))
    chars = list(address)
    lookalike_positions = [i for i, c in enumerate(chars) if c in CONFUSABLES]
    replaced = draw(st.lists(st.sampled_from(lookalike_positions), max_size=2, unique=True)) if lookalike_positions else []
    for i in replaced:
        chars[i] = CONFUSABLES[chars[i]]
    invisible = draw(st.lists(st.tuples(st.integers(1, len(chars) - 1), st.sampled_from(INVISIBLE)), max_size=3))
    for position, char in sorted(invisible, reverse=True):
        chars.insert(position, char)
    text = draw(st.sampled_from(SURROUNDING)) + "".join(chars) + draw(st.sampled_from(SURROUNDING))
    return address, label, text, bool(replaced), bool(invisible)


@settings(max_examples=400)
@given(case=disturbed())
def test_disturbed_real_addresses_read_as_the_clean_one(case):
    address, label, text, replaced, invisible = case
    (clean,) = normalize(address, label)
    (result,) = normalize(text, label)
    assert (result.id, result.validity, result.display) == (clean.id, "valid", clean.display), (text, result)
    assert ("homoglyphs_replaced" in result.issues) == replaced
    assert ("invisible_characters_stripped" in result.issues) == invisible or "\u00ad" in text
    (again,) = normalize(result.address, label)
    assert _key(again) == _key(clean)


@settings(max_examples=200)
@given(case=st.sampled_from(CHECKSUMMED), data=st.data())
def test_an_address_broken_by_a_line_break_is_joined(case, data):
    address, label = case
    cut = data.draw(st.integers(min_value=4, max_value=len(address) - 4))
    (clean,) = normalize(address, label)
    results = normalize(address[:cut] + data.draw(st.sampled_from(["\n", " ", "\r\n"])) + address[cut:], label)
    assert [r.id for r in results] == [clean.id] and "whitespace_stripped" in results[0].issues


@given(case=st.sampled_from(CHECKSUMMED + NO_CHECKSUM))
def test_idempotent_on_real_addresses(case):
    (first,) = normalize(*case)
    (again,) = normalize(first.address, case[1])
    assert _key(again) == _key(first)
    assert first.validity == "valid"


@settings(max_examples=500)
@given(case=st.sampled_from(CHECKSUMMED), data=st.data())
def test_single_character_changes_are_caught(case, data):
    address, label = case
    prefix = address.index(":") + 1 if ":" in address else 3 if address.startswith("bc1") else 2 if address.startswith("0x") else 0
    position = data.draw(st.integers(min_value=prefix, max_value=len(address) - 1))
    replacement = data.draw(st.sampled_from("0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"))
    if replacement == address[position]:
        return
    mutated = address[:position] + replacement + address[position + 1 :]
    results = normalize(mutated, label)
    assert all(r.validity != "valid" for r in results), (mutated, results)
