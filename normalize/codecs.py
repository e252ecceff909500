"""Address encodings, each written from its spec: base58/base58check, bech32 and bech32m
(BIP-173, BIP-350), CashAddr, Monero's block base58, and Keccak-256.

Every decoder raises ``ValueError`` with a short machine-readable reason; callers turn the
reason into an issue code.
"""

from __future__ import annotations

import hashlib

from Crypto.Hash import keccak as _keccak

BITCOIN_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RIPPLE_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
_INDEX = {
    BITCOIN_ALPHABET: {c: i for i, c in enumerate(BITCOIN_ALPHABET)},
    RIPPLE_ALPHABET: {c: i for i, c in enumerate(RIPPLE_ALPHABET)},
}


def keccak256(data: bytes) -> bytes:
    """Original Keccak-256 as Ethereum and Monero use it (not NIST SHA3-256)."""
    return _keccak.new(digest_bits=256, data=data).digest()


def double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


# Two characters at a time halves the Python-level loop of base58 decoding.
_PAIRS = {
    alphabet: {a + b: index[a] * 58 + index[b] for a in alphabet for b in alphabet}
    for alphabet, index in _INDEX.items()
}


def b58decode(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    index, pairs = _INDEX[alphabet], _PAIRS[alphabet]
    number = 0
    try:
        odd = len(text) % 2
        if odd:
            number = index[text[0]]
        for i in range(odd, len(text), 2):
            number = number * 3364 + pairs[text[i : i + 2]]
    except KeyError:
        raise ValueError("invalid_character") from None
    zero = alphabet[0]
    leading = len(text) - len(text.lstrip(zero))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\x00" * leading + body


def b58check_decode(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    """Payload of a base58check string (version bytes included, checksum removed)."""
    raw = b58decode(text, alphabet)
    if len(raw) < 5:
        raise ValueError("wrong_length")
    payload, checksum = raw[:-4], raw[-4:]
    if double_sha256(payload)[:4] != checksum:
        raise ValueError("checksum_failed")
    return payload


# --- bech32 / bech32m (BIP-173, BIP-350) -------------------------------------------------

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(BECH32_CHARSET)}
BECH32 = "bech32"
BECH32M = "bech32m"
_BECH32_CONST = {1: BECH32, 0x2BC830A3: BECH32M}
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _xor_table(generators) -> tuple[int, ...]:
    """For each 5-bit value, the XOR of the generators its bits select (BIP-173's inner loop)."""
    table = []
    for top in range(32):
        acc = 0
        for i, gen in enumerate(generators):
            if (top >> i) & 1:
                acc ^= gen
        table.append(acc)
    return tuple(table)


_BECH32_TABLE = _xor_table(_BECH32_GEN)


def _bech32_polymod(values) -> int:
    chk = 1
    table = _BECH32_TABLE
    for value in values:
        chk = ((chk & 0x1FFFFFF) << 5) ^ value ^ table[chk >> 25]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_decode(text: str, max_length: int = 90) -> tuple[str, list[int], str]:
    """Return (hrp, 5-bit data without checksum, encoding)."""
    if not (text.isascii() and text.isprintable()) or " " in text:
        raise ValueError("invalid_character")
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed_case")
    text = text.lower()
    sep = text.rfind("1")
    if sep < 1:
        raise ValueError("no_separator" if sep < 0 else "empty_hrp")
    if sep + 7 > len(text):
        raise ValueError("checksum_too_short")
    if len(text) > max_length:
        raise ValueError("too_long")
    hrp = text[:sep]
    try:
        data = [_BECH32_INDEX[c] for c in text[sep + 1 :]]
    except KeyError:
        raise ValueError("invalid_character") from None
    encoding = _BECH32_CONST.get(_bech32_polymod(_hrp_expand(hrp) + data))
    if encoding is None:
        raise ValueError("checksum_failed")
    return hrp, data[:-6], encoding


def convertbits(data, frombits: int, tobits: int, pad: bool) -> bytes:
    acc = bits = 0
    out = bytearray()
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise ValueError("invalid_padding")
    return bytes(out)


def segwit_decode(text: str) -> tuple[str, int, bytes]:
    """Return (hrp, witness version, program) of a segwit address, checked per BIP-141/350."""
    hrp, data, encoding = bech32_decode(text)
    if not data:
        raise ValueError("empty_data")
    version = data[0]
    if version > 16:
        raise ValueError("invalid_witness_version")
    program = convertbits(data[1:], 5, 8, False)
    if not 2 <= len(program) <= 40:
        raise ValueError("wrong_length")
    if version == 0 and len(program) not in (20, 32):
        raise ValueError("wrong_length")
    if (encoding == BECH32) != (version == 0):
        raise ValueError("checksum_failed")
    return hrp, version, program


# --- CashAddr ----------------------------------------------------------------------------

_CASHADDR_GEN = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
_CASHADDR_SIZES = (20, 24, 28, 32, 40, 48, 56, 64)


_CASHADDR_TABLE = _xor_table(_CASHADDR_GEN)


def _cashaddr_polymod(values) -> int:
    c = 1
    table = _CASHADDR_TABLE
    for d in values:
        c = ((c & 0x07FFFFFFFF) << 5) ^ d ^ table[c >> 35]
    return c ^ 1


def cashaddr_checksum_ok(prefix: str, payload: str) -> bool:
    """Checksum check alone (prefix and payload already lowercase)."""
    try:
        data = [_BECH32_INDEX[c] for c in payload]
    except KeyError:
        return False
    return _cashaddr_polymod([ord(c) & 31 for c in prefix] + [0] + data) == 0


def cashaddr_decode(text: str) -> tuple[str, int, bytes]:
    """Return (prefix, type, hash) of a full ``prefix:payload`` CashAddr."""
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed_case")
    text = text.lower()
    prefix, sep, payload = text.rpartition(":")
    if not sep or not prefix or len(payload) < 9:
        raise ValueError("wrong_length")
    if any(c not in _BECH32_INDEX for c in payload):
        raise ValueError("invalid_character")
    if not cashaddr_checksum_ok(prefix, payload):
        raise ValueError("checksum_failed")
    raw = convertbits([_BECH32_INDEX[c] for c in payload[:-8]], 5, 8, False)
    if not raw:
        raise ValueError("wrong_length")
    version, body = raw[0], raw[1:]
    if version & 0x80:
        raise ValueError("invalid_version")
    if len(body) != _CASHADDR_SIZES[version & 0x07]:
        raise ValueError("wrong_length")
    return prefix, (version >> 3) & 0x0F, body


# --- Monero base58 (8-byte blocks, 11 characters each) -----------------------------------

_MONERO_BLOCK_CHARS = (0, 2, 3, 5, 6, 7, 9, 10, 11)


def monero_b58decode(text: str) -> bytes:
    out = bytearray()
    index = _INDEX[BITCOIN_ALPHABET]
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        try:
            size = _MONERO_BLOCK_CHARS.index(len(block))
        except ValueError:
            raise ValueError("wrong_length") from None
        number = 0
        for char in block:
            if char not in index:
                raise ValueError("invalid_character")
            number = number * 58 + index[char]
        if number >> (8 * size):
            raise ValueError("invalid_block")
        out += number.to_bytes(size, "big")
    return bytes(out)
