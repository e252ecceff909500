"""Addresses in prose: `extract(text) -> [Mention]`, for sources that publish addresses inside free
text (the EU's remarks, the UK's OtherInformation, France's identification values...).

Strict: nothing that is not an address comes out. A token is kept when it validates as an
address (checksum or strict form), or when an explicit crypto label introduces it and it looks like
an address: then it is kept as published, `invalid`, so the listing shows what the authority
wrote. Names, words, passport, tax and registration numbers, phone and IMO numbers stay out.

A label (`ETH:`, `XBT`, `(1) BNB:`, "the following Tron crypto addresses:") applies to the
addresses it introduces and no further: the first word of prose after them ends it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from sanctions_feed.schemas.address import NormalizedAddress

from .core import normalize
from .labels import CHAIN_WORDS, TOKENS
from .text import strip_invisible

# Chain names a section sentence uses ("the following Tron crypto addresses"), any case.
_CHAIN_NAMES = {"BITCOIN", "ETHEREUM", "TRON", "LITECOIN", "MONERO", "DOGECOIN", "ZCASH", "RIPPLE",
                "SOLANA", "POLYGON", "ARBITRUM", "TETHER", "DASH", "VERGE"}
_LABELS = set(CHAIN_WORDS) | TOKENS
_SEPARATORS = re.compile(r"[\s;,；，、：|]+")  # ASCII and full-width separators; `：` ends a Japanese label
_EDGES = "().[]{}<>\"'“”«»:*"
_ADDRESS_LIKE = re.compile(r"[0-9A-Za-z]{25,}|(?:bitcoincash|bchtest):[0-9a-z]{30,}", re.I)
_NUMBERING = re.compile(r"\(?\d{1,2}[).]?|[a-z]\)")  # "(1)", "2.", "a)": list numbering, not prose
MIN_LENGTH, MAX_LENGTH = 25, 110  # the shortest (XRP, Bitcoin) and longest (Monero integrated) forms
PENDING_WORDS = 8  # a label stays open over this many words of prose before its first address


# A text that says it names crypto addresses ("the following Tron crypto addresses:",
# "Digital Currency Address", "暗号資産アドレス", "adresses de portefeuille").
_SAYS_ADDRESSES = re.compile(
    r"\b(?:crypto\w*|digital currency|wallet|blockchain|bitcoin|ethereum|tron|usdt)\b[\w\s-]{0,30}?\baddress"
    r"|暗号資産アドレス|adresses? de portefeuille", re.I)


def names_addresses(text: str | None) -> bool:
    """Whether a text says it names crypto addresses (whether or not any can be read in it)."""
    return text is not None and _SAYS_ADDRESSES.search(text) is not None


class Mention(NamedTuple):
    """One address found in a text: as written, with the label that introduced it."""

    raw: str
    """The text of the address as published (pieces joined when a line break cut it)."""
    label: str | None
    """The crypto label that introduced it, as written (`ETH`, `Tron`...), or None."""
    address: NormalizedAddress


def extract(text: str | None) -> list[Mention]:
    """Every address in `text`, in order, once each."""
    if not text:
        return []
    cleaned, _ = strip_invisible(text)
    tokens = [t for t in (_strip_edges(part) for part in _SEPARATORS.split(cleaned)) if t]
    found: list[Mention] = []
    label: str | None = None
    pending = 0  # words of prose left before an open label with no address yet expires
    consumed = False  # the open label has introduced at least one address
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = _label_word(token)
        if word is not None:
            label, pending, consumed = word, PENDING_WORDS, False
            i += 1
            continue
        mentions, used = _read_at(tokens, i, label)
        if mentions:
            found += mentions
            consumed = True
            i += used
            continue
        if not _NUMBERING.fullmatch(token):  # a word of prose
            if consumed or pending <= 0:
                label = None
            pending -= 1
        i += 1
    unique: dict[str, Mention] = {}
    for mention in found:
        unique.setdefault(mention.address.id, mention)
    return list(unique.values())


def _strip_edges(part: str) -> str:
    part = part.strip(_EDGES)
    return part[:-1] if part.endswith(".") and len(part) > 1 else part


def _label_word(token: str) -> str | None:
    """The crypto label a token is, or None: a ticker in capitals (`ETH`, `XBT`), a ticker or chain
    written with a colon (`Eth:`), or a chain's name (`Tron`, `Bitcoin`) in any case."""
    bare = token.rstrip(":-–")
    upper = bare.upper()
    if upper in _CHAIN_NAMES:
        return bare
    if upper in _LABELS and (bare.isupper() or token.endswith(":")):
        return bare
    return None


def _read_at(tokens: list[str], i: int, label: str | None) -> tuple[list[Mention], int]:
    """The addresses that start at token i, and how many tokens they take (0: none)."""
    token = tokens[i]
    if i + 1 < len(tokens):  # an address a line break cut in two: joined only if it then validates
        joined = token + tokens[i + 1]
        if (MIN_LENGTH <= len(joined) <= MAX_LENGTH and joined.isalnum()
                and not _valid(token, label) and not _valid(tokens[i + 1], label)):
            reading = _reading(joined, label)
            if reading is not None and reading.validity == "valid" and _keep(reading, None):
                return [Mention(joined, label, reading)], 2
    if not _ADDRESS_LIKE.fullmatch(token):
        return [], 0
    reading = _reading(token, label)
    if reading is not None and _keep(reading, label):
        return [Mention(token, label, reading)], 1
    pieces = _glued(token, label)
    if pieces:
        return [Mention(piece, label, reading) for piece, reading in pieces], 1
    if reading is not None and label is not None and reading.kind == "address":
        return [Mention(token, label, reading)], 1  # labelled, address-like, invalid: kept as published
    return [], 0


def _keep(reading: NormalizedAddress, label: str | None) -> bool:
    if reading.kind != "address" or reading.chain == "unknown":
        return False
    if label is not None:
        return reading.validity != "invalid"
    # Unlabelled: only what validates. A bare Solana key has no checksum to validate.
    return reading.validity == "valid" and reading.chain != "solana"


def _valid(token: str, label: str | None) -> bool:
    reading = _reading(token, label)
    return reading is not None and _keep(reading, label)


@lru_cache(maxsize=4096)
def _reading(token: str, label: str | None) -> NormalizedAddress | None:
    results = normalize(token, label)
    return results[0] if len(results) == 1 else None


def _glued(token: str, label: str | None) -> list[tuple[str, NormalizedAddress]]:
    """Addresses written one after another with no separator: split only at boundaries where
    every piece validates (one way only; anything ambiguous stays as it is)."""
    if len(token) < 2 * MIN_LENGTH or not token.isalnum():
        return []
    ways = _splits(token, label)
    return ways[0] if len(ways) == 1 else []


def _splits(token: str, label: str | None, depth: int = 0) -> list[list[tuple[str, NormalizedAddress]]]:
    if depth > 8:
        return []
    ways = []
    for cut in range(MIN_LENGTH, min(len(token), MAX_LENGTH) + 1):
        head = token[:cut]
        reading = _reading(head, label)
        if reading is None or reading.validity != "valid" or reading.kind != "address" or reading.chain == "solana":
            continue
        rest = token[cut:]
        if not rest:
            ways.append([(head, reading)])
        elif len(rest) >= MIN_LENGTH:
            ways += [[(head, reading), *tail] for tail in _splits(rest, label, depth + 1)]
        if len(ways) > 1:
            break
    return ways
