"""What identifies an address across its written forms and chains: the keys screening matches on.

An address can be written in several valid forms (a Bitcoin Cash address as CashAddr or in the
legacy base58 form, an XRP account as a classic or an X-address, a TRON address as hex), and one
EVM key is the same account on every EVM chain. `match_keys` maps every form of one address to
the same keys, whatever chain it was listed under, so that screening compares like with like.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from sanctions_feed.schemas.address import Chain, NormalizedAddress

from . import codecs
from .core import normalize
from .labels import parse_label

_TRON_HEX = re.compile(r"(?:0x)?41[0-9a-fA-F]{40}")
_BARE_EVM = _HEX40 = re.compile(r"[0-9a-fA-F]{40}")
# Payment URI schemes (BIP-21 and its kin, EIP-681, the XRP Ledger's, Solana Pay, Monero's) -> the
# label that says the chain. CashAddr's own prefix is not a scheme here: it is part of the address.
URI_SCHEMES = {
    "bitcoin": "BTC", "litecoin": "LTC", "dogecoin": "DOGE", "dash": "DASH", "zcash": "ZEC", "monero": "XMR",
    "verge": "XVG", "bitcoingold": "BTG", "bitcoinsv": "BSV", "ethereum": "ETH", "ethereumclassic": "ETC",
    "bnb": "BSC", "bsc": "BSC", "polygon": "POLYGON", "matic": "POLYGON", "arbitrum": "ARBITRUM",
    "tron": "TRX", "ripple": "XRP", "xrpl": "XRP", "xrp": "XRP", "solana": "SOL",
}
_CASHADDR_SCHEMES = ("bitcoincash", "bchtest")
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?://)?(?:pay-)?([^@/?#\s]+)(?:@([^/?#\s]*))?(/[^?#\s]*)?"
                  r"(?:\?([^#\s]*))?(?:#\S*)?")
_TAG_PARAMETERS = ("dt", "tag", "memo", "destination_tag", "dest_tag")
_RECIPIENT_PARAMETERS = ("address", "to", "recipient")  # EIP-681 token transfers name the payee here
_LABELLED = re.compile(r"([A-Za-z][A-Za-z0-9-]{1,11})\s*:\s*(\S+)")


def payment_uri(text: str) -> list[tuple[str, str | None]] | None:
    """The addresses a payment URI names, as (text `normalize` reads, label), or None when the
    text is no payment URI: `ethereum:0x…@1`, `ethereum:0xTOKEN@1/transfer?address=0x…` (the token
    and the payee), `bitcoin:3…?amount=0.1`, `tron:T…`, `ripple:r…?dt=5`, `bitcoincash:q…?amount=1`."""
    match = _URI.fullmatch(text.strip())
    if match is None:
        return None
    scheme, target, _chain_id, _path, query = match.groups()
    scheme = scheme.lower()
    if scheme in _CASHADDR_SCHEMES:
        target, label = f"{scheme}:{target}" if target[:1].lower() in "qp" else target, "BCH"
    elif scheme in URI_SCHEMES:
        label = URI_SCHEMES[scheme]
    else:
        return None
    parameters = parse_qs(query or "", keep_blank_values=True)
    tag = next((values[0] for name in _TAG_PARAMETERS for values in [parameters.get(name)] if values), None)
    named = [f"{target} (tag {tag})" if tag else target]
    named += [values[0] for name in _RECIPIENT_PARAMETERS for values in [parameters.get(name)] if values]
    return [(address, label) for address in dict.fromkeys(named)]


def labelled(text: str) -> tuple[str, str] | None:
    """`ETH: 7FF9…`, `TRX:T…`: an address written after a crypto label, as (address, label)."""
    match = _LABELLED.fullmatch(text.strip())
    if match is None or parse_label(match.group(1)).unsupported or not match.group(1).isupper():
        return None
    return match.group(2), match.group(1)


def fold_query(text: str) -> str:
    """A screened string in the form `normalize` reads: forms people copy from wallets and
    explorers (`0X…`, 40 bare hex digits, TRON hex `41…`) written the usual way (`ADDRESS?dt=TAG`
    is `normalize`'s: a tag in a cell)."""
    text = text.strip()
    if len(text) == 42 and text[:2] in ("0X", "0x"):
        return "0x" + text[2:]
    if len(text) == 40 and _BARE_EVM.fullmatch(text):
        return "0x" + text
    if _TRON_HEX.fullmatch(text):
        return codecs.b58check_encode(bytes.fromhex(text[-42:]))
    return text


def match_keys(found: NormalizedAddress) -> tuple[str, ...]:
    """Keys shared by every written form of the address, chain-independent: the canonical form
    (EVM lowercase), plus the legacy form of a CashAddr and the classic form of an X-address. A
    tagged deposit's keys carry its tag (`<address>#<tag>`); an exchange account's its number."""
    if found.kind == "exchange_account":
        return (f"account:{found.address}",)
    address, tag = found.address, found.tag
    keys = [address]
    if found.chain == "bitcoin-cash" and address.startswith("bitcoincash:") and found.validity == "valid":
        keys.append(_legacy_cashaddr(address))
    elif found.chain == "xrp" and found.validity == "valid" and address[:1] == "X":
        classic, x_tag = _x_address_parts(address)
        keys.append(classic)
        tag = tag or x_tag
    if tag is not None:
        return tuple(f"{key}#{tag}" for key in keys)
    return tuple(keys)


def reading_of(record) -> NormalizedAddress:
    """A published or stored address record (kind, chain, address, display, validity, platform,
    tag) as normalization's result type, for its match keys (which its issues do not change)."""
    return NormalizedAddress(record.kind, record.chain, record.address, record.display, record.validity,
                             (), None, record.platform, record.tag)


def deposit_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys of a tagged deposit's address alone (without `#<tag>`)."""
    return tuple(key.rsplit("#", 1)[0] for key in keys)


def screen_readings(text: str) -> list[NormalizedAddress]:
    """What a screened string names: the addresses of a payment URI (`bitcoin:…?amount=`,
    `ethereum:…@1`) or of `LABEL: ADDRESS` read under their chain, else `normalize` over the
    folded string, with no label. An EVM
    address skips its EIP-55 check: the checksum says nothing of which account it is (its key is
    the lowercase form), and bulk screening is mostly EVM and Bitcoin addresses."""
    if ":" in text:
        named = payment_uri(text) or ([found] if (found := labelled(text)) else None)
        if named:
            return [reading for address, label in named for reading in normalize(fold_query(address), label)]
    folded = fold_query(text)
    if len(folded) == 42 and folded[:2] == "0x" and _HEX40.fullmatch(folded, 2):
        lower = folded.lower()
        return [NormalizedAddress("address", "ethereum", lower, folded, "valid")]
    return normalize(folded)


_BASE58_ADDRESS = re.compile(r"[13T][1-9A-HJ-NP-Za-km-z]{25,34}")
QUICK_CHAINS: dict[int, Chain] = {0x00: "bitcoin", 0x05: "bitcoin", 0x41: "tron"}
"""Base58check version bytes read without the normalizer: Bitcoin P2PKH and P2SH, TRON."""


def quick_reading(text: str) -> NormalizedAddress | None:
    """What `screen_readings` reads in the commonest screened forms, without the normalizer: a
    0x-prefixed EVM address, or a base58check Bitcoin (1..., 3...) or TRON (T...) address whose
    checksum holds; exactly the reading the normalizer gives. None for anything else, or a
    failed checksum (the normalizer then says what is wrong). Bulk screening reads most of its
    lines here."""
    if len(text) == 42 and text[:2] == "0x" and _HEX40.fullmatch(text, 2):
        return NormalizedAddress("address", "ethereum", text.lower(), text, "valid")
    if not _BASE58_ADDRESS.fullmatch(text):
        return None
    try:
        payload = codecs.b58check_decode(text)
    except ValueError:
        return None
    chain = QUICK_CHAINS.get(payload[0]) if len(payload) == 21 else None
    if chain is None or (chain == "tron") != (text[0] == "T"):
        return None
    return NormalizedAddress("address", chain, text, text, "valid", ("chain_assumed",) if chain == "bitcoin" else ())


def _legacy_cashaddr(address: str) -> str:
    _, kind, payload = codecs.cashaddr_decode(address)
    return codecs.b58check_encode(bytes([0x05 if kind == 1 else 0x00]) + payload)


def _x_address_parts(x_address: str) -> tuple[str, str | None]:
    payload = codecs.b58check_decode(x_address, codecs.RIPPLE_ALPHABET)
    classic = codecs.b58check_encode(b"\x00" + payload[2:22], codecs.RIPPLE_ALPHABET)
    tag = str(int.from_bytes(payload[23:27], "little")) if payload[22] == 1 else None
    return classic, tag
