"""Keccak-256 and plain base58, the two primitives most of the per-address cost goes to.

Portable libraries by default (pycryptodome, base58: wheels for every platform); the compiled
ones when installed (`pip install 'sanctions-feed[fast]'`: safe-pysha3, based58), several times
faster. Both paths are tested against the same vectors.
"""

from __future__ import annotations

from typing import Callable

import base58 as _base58

BITCOIN_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RIPPLE_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
_ALPHABET_SETS = {BITCOIN_ALPHABET: frozenset(BITCOIN_ALPHABET), RIPPLE_ALPHABET: frozenset(RIPPLE_ALPHABET)}


def keccak256_portable(data: bytes) -> bytes:
    """Original Keccak-256 as Ethereum and Monero use it (not NIST SHA3-256)."""
    from Crypto.Hash import keccak  # imported at first use: a process screening no EVM address pays nothing

    return keccak.new(digest_bits=256, data=data).digest()


def b58decode_portable(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
    """Base58 to bytes, leading zero digits kept as zero bytes. ValueError on a foreign character
    (the library itself would strip surrounding white space)."""
    if not _ALPHABET_SETS[alphabet].issuperset(text):
        raise ValueError("invalid_character")
    return _base58.b58decode(text.encode("ascii"), alphabet=alphabet.encode("ascii"))


def b58encode(data: bytes, alphabet: str = BITCOIN_ALPHABET) -> str:
    """Bytes to base58, leading zero bytes as leading zero digits (not on the hot path)."""
    return _base58.b58encode(data, alphabet=alphabet.encode("ascii")).decode("ascii")


keccak256: Callable[[bytes], bytes] = keccak256_portable
b58decode: Callable[..., bytes] = b58decode_portable
BACKEND = "portable"

try:  # the optional compiled fast path
    import sha3 as _sha3
    from based58 import Alphabet as _Alphabet
    from based58 import b58decode as _based58_decode
except ImportError:
    pass
else:
    _BASED58_ALPHABETS = {BITCOIN_ALPHABET: _Alphabet.BITCOIN, RIPPLE_ALPHABET: _Alphabet.RIPPLE}

    def keccak256_fast(data: bytes) -> bytes:
        return _sha3.keccak_256(data).digest()

    def b58decode_fast(text: str, alphabet: str = BITCOIN_ALPHABET) -> bytes:
        try:
            return _based58_decode(text.encode("ascii"), _BASED58_ALPHABETS[alphabet])
        except (ValueError, UnicodeEncodeError):
            raise ValueError("invalid_character") from None

    keccak256, b58decode, BACKEND = keccak256_fast, b58decode_fast, "fast"
