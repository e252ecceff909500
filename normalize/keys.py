"""What identifies an address across its written forms and chains: the keys screening matches on.

An address can be written in several valid forms (a Bitcoin Cash address as CashAddr or in the
legacy base58 form, an XRP account as a classic or an X-address, a TRON address as hex), and one
EVM key is the same account on every EVM chain. `match_keys` maps every form of one address to
the same keys, whatever chain it was listed under, so that screening compares like with like.
"""

from __future__ import annotations

import re

from sanctions_feed.schemas.address import NormalizedAddress

from . import codecs
from .core import normalize

_TRON_HEX = re.compile(r"(?:0x)?41[0-9a-fA-F]{40}")
_BARE_EVM = _HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_URI_TAG = re.compile(r"^(\S+?)\?(?:dt|tag|memo)=(\w+)$", re.I)


def fold_query(text: str) -> str:
    """A screened string in the form `normalize` reads: forms people copy from wallets and
    explorers (`0X…`, 40 bare hex digits, TRON hex `41…`, `ADDRESS?dt=TAG`) written the usual way."""
    text = text.strip()
    if len(text) == 42 and text[:2] in ("0X", "0x"):
        return "0x" + text[2:]
    if len(text) == 40 and _BARE_EVM.fullmatch(text):
        return "0x" + text
    if _TRON_HEX.fullmatch(text):
        return codecs.b58check_encode(bytes.fromhex(text[-42:]))
    if "?" in text and (uri := _URI_TAG.match(text)):
        return f"{uri.group(1)} (tag {uri.group(2)})"
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


def deposit_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys of a tagged deposit's address alone (without `#<tag>`)."""
    return tuple(key.rsplit("#", 1)[0] for key in keys)


def screen_readings(text: str) -> list[NormalizedAddress]:
    """What a screened string names: `normalize` over its folded form, with no label. An EVM
    address skips its EIP-55 check: the checksum says nothing of which account it is (its key is
    the lowercase form), and bulk screening is mostly EVM and Bitcoin addresses."""
    folded = fold_query(text)
    if len(folded) == 42 and folded[:2] == "0x" and _HEX40.fullmatch(folded, 2):
        lower = folded.lower()
        return [NormalizedAddress("address", "ethereum", lower, folded, "valid")]
    return normalize(folded)


def _legacy_cashaddr(address: str) -> str:
    _, kind, payload = codecs.cashaddr_decode(address)
    return codecs.b58check_encode(bytes([0x05 if kind == 1 else 0x00]) + payload)


def _x_address_parts(x_address: str) -> tuple[str, str | None]:
    payload = codecs.b58check_decode(x_address, codecs.RIPPLE_ALPHABET)
    classic = codecs.b58check_encode(b"\x00" + payload[2:22], codecs.RIPPLE_ALPHABET)
    tag = str(int.from_bytes(payload[23:27], "little")) if payload[22] == 1 else None
    return classic, tag
