"""Address encodings from their specs: base58check, bech32 and bech32m (BIP-173, BIP-350),
CashAddr, Monero's block base58. Plain base58 and Keccak-256 come from libraries
(`normalize.primitives`: compiled ones when installed).

Every decoder raises ``ValueError`` with a short machine-readable reason; callers turn the
reason into an issue code.
"""

from __future__ import annotations

import hashlib
from functools import reduce
from operator import getitem, xor

from . import primitives
from .primitives import BITCOIN_ALPHABET as BITCOIN_ALPHABET  # re-exported: the alphabets belong to the codecs
from .primitives import RIPPLE_ALPHABET as RIPPLE_ALPHABET

_BITCOIN_INDEX = {c: i for i, c in enumerate(BITCOIN_ALPHABET)}


def keccak256(data: bytes) -> bytes:
    """Original Keccak-256 as Ethereum and Monero use it (not NIST SHA3-256)."""
    return primitives.keccak256(data)


def double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def b58decode(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    """Base58 to bytes, leading zero digits kept as zero bytes (the hot path of most chains)."""
    return primitives.b58decode(text, alphabet)


def b58check_encode(payload: bytes, alphabet: str = BITCOIN_ALPHABET) -> str:
    """base58check of a payload (rare: only X-addresses are built, never on the hot path)."""
    return primitives.b58encode(payload + double_sha256(payload)[:4], alphabet)


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
# bytes.translate table: a bech32 character's 5-bit value, 255 for anything else.
_BECH32_BYTES = bytes(BECH32_CHARSET.index(chr(b)) if chr(b) in BECH32_CHARSET else 255 for b in range(256))


def bech32_values(chars: str) -> bytes:
    """5-bit values of lowercase bech32 characters (C-level); ValueError on any other."""
    values = chars.encode("ascii", "replace").translate(_BECH32_BYTES)
    if 255 in values:
        raise ValueError("invalid_character")
    return values
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


class _Checksum:
    """A BCH checksum (bech32's or CashAddr's) as one XOR of table lookups.

    The step `state -> ((state & low) << 5) ^ value ^ table[state >> (bits - 5)]` is linear over
    GF(2), so the final state is the start value's contribution XOR each symbol's contribution
    at its distance from the end: `map` and `reduce` then do the whole loop in C.
    """

    def __init__(self, generators, bits: int, max_symbols: int):
        self.table, self.bits = _xor_table(generators), bits
        rows, state_rows = [], list(range(32))
        for _ in range(max_symbols):
            rows.append(tuple(state_rows))
            state_rows = [self._step(s, 0) for s in state_rows]
        self.by_distance = rows[::-1]  # by_distance[-1 - d][value]: value d steps before the end
        self.start = [1]
        for _ in range(max_symbols):
            self.start.append(self._step(self.start[-1], 0))

    def _step(self, state: int, value: int) -> int:
        top = self.bits - 5
        return ((state & ((1 << top) - 1)) << 5) ^ value ^ self.table[state >> top]

    def __call__(self, values: bytes) -> int:
        n = len(values)
        if n >= len(self.start):  # longer than any address: the plain loop
            state = 1
            for value in values:
                state = self._step(state, value)
            return state
        return self.start[n] ^ reduce(xor, map(getitem, self.by_distance[-n:], values), 0)


_bech32_polymod = _Checksum(_BECH32_GEN, 30, max_symbols=256)


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
    data = bech32_values(text[sep + 1 :])
    encoding = _BECH32_CONST.get(_bech32_polymod(bytes(_hrp_expand(hrp)) + data))
    if encoding is None:
        raise ValueError("checksum_failed")
    return hrp, list(data[:-6]), encoding


_AS_BASE32_DIGITS = str.maketrans(BECH32_CHARSET, "0123456789abcdefghijklmnopqrstuv")


def five_bit_chars_to_bytes(chars: str) -> bytes:
    """bech32 characters (5 bits each) to bytes, no padding added: BIP-173's convertbits(5, 8)
    done in C, as a base-32 number (str.translate, then int)."""
    if not chars:
        return b""
    number = int(chars.translate(_AS_BASE32_DIGITS), 32)
    pad = 5 * len(chars) % 8
    if pad >= 5 or number & ((1 << pad) - 1):
        raise ValueError("invalid_padding")
    return (number >> pad).to_bytes(5 * len(chars) // 8, "big")


def segwit_decode(text: str) -> tuple[str, int, bytes]:
    """Return (hrp, witness version, program) of a segwit address, checked per BIP-141/350."""
    hrp, data, encoding = bech32_decode(text)
    if not data:
        raise ValueError("empty_data")
    version = data[0]
    if version > 16:
        raise ValueError("invalid_witness_version")
    program = five_bit_chars_to_bytes(text.lower()[len(hrp) + 2 : -6])
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


_cashaddr_checksum = _Checksum(_CASHADDR_GEN, 40, max_symbols=256)


def _cashaddr_polymod(values: bytes) -> int:
    return _cashaddr_checksum(values) ^ 1


def cashaddr_checksum_ok(prefix: str, payload: str) -> bool:
    """Checksum check alone (prefix and payload already lowercase)."""
    try:
        data = bech32_values(payload)
    except ValueError:
        return False
    return _cashaddr_polymod(bytes([ord(c) & 31 for c in prefix] + [0]) + data) == 0


def cashaddr_decode(text: str) -> tuple[str, int, bytes]:
    """Return (prefix, type, hash) of a full ``prefix:payload`` CashAddr."""
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed_case")
    text = text.lower()
    prefix, sep, payload = text.rpartition(":")
    if not sep or not prefix or len(payload) < 9:
        raise ValueError("wrong_length")
    bech32_values(payload)  # raises on a character outside the alphabet
    if not cashaddr_checksum_ok(prefix, payload):
        raise ValueError("checksum_failed")
    raw = five_bit_chars_to_bytes(payload[:-8])
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
    index = _BITCOIN_INDEX
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
