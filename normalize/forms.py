"""Readings of one clean ASCII token: every address form it could be, with the verdict of that
form's checks. Choosing among the readings (by the source's label) is `normalize.core`'s job.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sanctions_feed.schemas.address import EVM_CHAINS, Chain, Validity

from . import codecs


class Reading(NamedTuple):
    chains: tuple[Chain, ...]
    """The chains this form is used on, the usual one first."""
    address: str
    display: str
    validity: Validity
    issues: tuple[str, ...] = ()
    exclusive: bool = True
    """The form alone names its chain (family): it may overrule the source's label."""


_HEX = re.compile(r"[0-9a-fA-F]*")
SOLANA: tuple[Chain, ...] = ("solana",)
_B58_CHARS = frozenset(codecs.BITCOIN_ALPHABET)
_RIPPLE_CHARS = frozenset(codecs.RIPPLE_ALPHABET)
_CASHADDR_BARE = re.compile(r"[qp][02-9ac-hj-np-z]{41}")
_CASHADDR_PREFIXES = ("bitcoincash", "bchtest", "bchreg")

# base58check version byte -> chains that use it, the usual one first.
# "3..." (0x05) is shared with Litecoin's deprecated P2SH and with Bitcoin's forks.
_VERSIONS: dict[int, tuple[Chain, ...]] = {
    0x00: ("bitcoin", "bitcoin-cash", "bitcoin-sv"),
    0x05: ("bitcoin", "bitcoin-cash", "bitcoin-sv", "litecoin"),
    0x30: ("litecoin",),
    0x32: ("litecoin",),
    0x1E: ("dogecoin", "verge"),  # Verge kept Dogecoin's "D" version byte
    0x16: ("dogecoin",),
    0x21: ("verge",),
    0x4C: ("dash",),
    0x10: ("dash",),
    0x26: ("bitcoin-gold",),
    0x17: ("bitcoin-gold",),
    0x41: ("tron",),
}
_ZCASH_T = (b"\x1c\xb8", b"\x1c\xbd")  # t1 (P2PKH), t3 (P2SH)
_SEGWIT_HRPS: dict[str, Chain] = {"bc": "bitcoin", "tb": "bitcoin", "bcrt": "bitcoin", "ltc": "litecoin", "tltc": "litecoin"}
_TESTNET_HRPS = {"tb", "bcrt", "tltc"}
# bech32 prefixes of chains outside our list: such an address is surely not the label's chain.
_FOREIGN_HRPS = {"bnb", "tbnb", "cosmos", "terra", "osmo", "addr", "kava", "inj", "celestia"}
# Monero network bytes: standard, integrated, subaddress (mainnet, then testnet, stagenet).
_MONERO_NETBYTES = {18: "mainnet", 19: "mainnet", 42: "mainnet", 53: "testnet", 54: "testnet",
                    63: "testnet", 24: "stagenet", 25: "stagenet", 36: "stagenet"}
_MONERO_INTEGRATED = {19, 54, 25}


def eip55(lower_hex40: str) -> str:
    """EIP-55 mixed-case form of 40 lowercase hex digits, with `0x`."""
    digest = codecs.keccak256(lower_hex40.encode("ascii")).hex()
    return "0x" + "".join([c.upper() if d > "7" else c for c, d in zip(lower_hex40, digest, strict=False)])


def read_evm(token: str) -> Reading | None:
    if not token.startswith("0x"):
        return None
    body = token[2:]
    if not _HEX.fullmatch(body):
        return Reading(EVM_CHAINS, token.lower(), token, "invalid", ("invalid_character",))
    lower = body.lower()
    if len(body) != 40:
        issues = ("truncated", "wrong_length") if len(body) < 40 else ("wrong_length",)
        return Reading(EVM_CHAINS, "0x" + lower, token, "invalid", issues)
    display = eip55(lower)
    if display[2:] == body:  # includes the rare addresses whose EIP-55 form is single-case
        return Reading(EVM_CHAINS, "0x" + lower, display, "valid")
    if body == lower or body == body.upper():
        return Reading(EVM_CHAINS, "0x" + lower, display, "valid", ("no_checksum",))
    return Reading(EVM_CHAINS, "0x" + lower, display, "invalid", ("checksum_failed",))


def read_bech32(token: str) -> Reading | None:
    sep = token.rfind("1")
    if sep < 1:
        return None
    lower = token.lower()
    hrp = lower[:sep]
    if hrp in _SEGWIT_HRPS:
        chain = _SEGWIT_HRPS[hrp]
        testnet = ("testnet",) if hrp in _TESTNET_HRPS else ()
        try:
            codecs.segwit_decode(token)
        except ValueError as exc:
            return Reading((chain,), lower, lower, "invalid", (str(exc),))
        return Reading((chain,), lower, lower, "valid", testnet)
    if hrp == "zs":  # Zcash Sapling shielded address: 43-byte payload
        try:
            _, _, encoding = codecs.bech32_decode(token)
            if encoding != codecs.BECH32 or len(codecs.five_bit_chars_to_bytes(lower[3:-6])) != 43:
                raise ValueError("wrong_length")
        except ValueError as exc:
            return Reading(("zcash",), lower, lower, "invalid", (str(exc),))
        return Reading(("zcash",), lower, lower, "valid")
    if hrp == "u" and len(lower) > 90:  # Zcash unified: bech32m over an F4Jumbled payload
        try:
            codecs.bech32_decode(token, max_length=2000)
        except ValueError as exc:
            return Reading(("zcash",), lower, lower, "invalid", (str(exc),))
        return Reading(("zcash",), lower, lower, "unverifiable", ("cannot_verify",))
    if len(hrp) >= 2 and hrp.isalpha() and len(lower) >= 20:
        try:  # a bech32 address of a chain outside our list (e.g. bnb1..., cosmos1...)
            codecs.bech32_decode(token)
        except ValueError:
            return None
        return Reading(("unknown",), lower, lower, "unverifiable", ("unsupported_chain",),
                       exclusive=hrp in _FOREIGN_HRPS)
    return None


def read_cashaddr(token: str) -> Reading | None:
    lower = token.lower()
    prefix, sep, payload = lower.rpartition(":")
    issues: tuple[str, ...] = ()
    if sep:
        if prefix not in _CASHADDR_PREFIXES:
            return None
    elif _CASHADDR_BARE.fullmatch(lower):
        lower, issues = "bitcoincash:" + lower, ("prefix_added",)
    else:
        return None
    try:
        codecs.cashaddr_decode(token if sep else "bitcoincash:" + token)
    except ValueError as exc:
        return Reading(("bitcoin-cash",), lower, lower, "invalid", tuple(sorted(issues + (str(exc),))))
    return Reading(("bitcoin-cash",), lower, lower, "valid", issues)


def read_xrp(token: str) -> Reading | None:
    if token[:1] not in ("r", "X", "T") or not _RIPPLE_CHARS.issuperset(token):
        return None
    if token[0] == "r" and 25 <= len(token) <= 35:
        try:
            payload = codecs.b58check_decode(token, codecs.RIPPLE_ALPHABET)
            if len(payload) != 21 or payload[0] != 0:
                raise ValueError("wrong_length")
        except ValueError as exc:
            return Reading(("xrp",), token, token, "invalid", (str(exc),))
        return Reading(("xrp",), token, token, "valid")
    if token[0] in "XT" and len(token) == 47:
        try:
            payload = codecs.b58check_decode(token, codecs.RIPPLE_ALPHABET)
            if len(payload) != 31 or payload[:2] not in (b"\x05\x44", b"\x04\x93"):
                raise ValueError("invalid_prefix")
            flag, tag, reserved = payload[22], payload[23:27], payload[27:]
            if flag > 1 or reserved != b"\0\0\0\0" or (flag == 0 and tag != b"\0\0\0\0"):
                raise ValueError("unsupported_tag")
        except ValueError as exc:
            return Reading(("xrp",), token, token, "invalid", (str(exc),))
        testnet = ("testnet",) if payload[:2] == b"\x04\x93" else ()
        return Reading(("xrp",), token, token, "valid", testnet)
    return None


def x_address(classic: str, tag: int) -> str:
    """The mainnet X-address of a valid classic XRP address with a destination tag (XLS-5d)."""
    account = codecs.b58check_decode(classic, codecs.RIPPLE_ALPHABET)[1:]
    payload = b"\x05\x44" + account + b"\x01" + tag.to_bytes(4, "little") + b"\0\0\0\0"
    return codecs.b58check_encode(payload, codecs.RIPPLE_ALPHABET)


def read_monero(token: str) -> Reading | None:
    if len(token) not in (95, 106) or token[0] not in "4589AB" or not _B58_CHARS.issuperset(token):
        return None
    try:
        raw = codecs.monero_b58decode(token)
        netbyte = raw[0]
        if netbyte not in _MONERO_NETBYTES:
            raise ValueError("invalid_version")
        if len(raw) != (77 if netbyte in _MONERO_INTEGRATED else 69):
            raise ValueError("wrong_length")
        if codecs.keccak256(raw[:-4])[:4] != raw[-4:]:
            raise ValueError("checksum_failed")
    except ValueError as exc:
        return Reading(("monero",), token, token, "invalid", (str(exc),))
    network = _MONERO_NETBYTES[netbyte]
    return Reading(("monero",), token, token, "valid", () if network == "mainnet" else (network,))


def read_base58check(token: str) -> Reading | None:
    """Bitcoin-family, Zcash transparent and TRON addresses; Solana's bare 32-byte keys."""
    if not 25 <= len(token) <= 44:
        return None
    try:
        raw = codecs.b58decode(token)
    except ValueError:  # a character outside the alphabet
        return None
    if len(raw) == 32:  # no version, no checksum: only a label or nothing else can say Solana
        return Reading(SOLANA, token, token, "valid", ("no_checksum",), exclusive=False)
    chains: tuple[Chain, ...]
    if len(raw) == 26 and raw[:2] in _ZCASH_T:
        chains = ("zcash",)
    elif len(raw) == 25 and raw[0] in _VERSIONS:
        chains = _VERSIONS[raw[0]]
    else:
        return None
    exclusive = chains == ("tron",)
    if codecs.double_sha256(raw[:-4])[:4] != raw[-4:]:
        return Reading(chains, token, token, "invalid", ("checksum_failed",), exclusive)
    return Reading(chains, token, token, "valid", (), exclusive)


# EVM hex is read on its own: nothing else starts with "0x" (0 is outside base58).
# read_base58check comes last, so a Solana reading is always the last one.
# Leading digits no bech32 HRP, CashAddr, XRP or Monero address starts with.
_BASE58_ONLY_STARTS = frozenset("12367")  # not 4, 5, 8, 9: Monero
_NON_HEX_READERS = (read_cashaddr, read_bech32, read_xrp, read_monero, read_base58check)


def readings(token: str) -> list[Reading]:
    """Every form the token parses as (valid or not), most specific first."""
    if token.startswith("0x"):
        return [read_evm(token)]  # type: ignore[list-item]
    if token[:1] in _BASE58_ONLY_STARTS:  # most Bitcoin addresses: no other form starts so
        reading = read_base58check(token)
        return [reading] if reading is not None else []
    found = []
    for reader in _NON_HEX_READERS:
        reading = reader(token)
        if reading is not None:
            found.append(reading)
    return found
