"""Addresses in prose: `read_prose(text) -> Prose(mentions, unread)`, for sources that publish
addresses inside free text (the EU's remarks, the UK's OtherInformation, France's identification
values, Japan's その他の情報, FBI notices).

The text is folded first (NFKC: full-width letters and digits, ideographic spaces; invisible
characters and HTML remnants removed). Then every maximal run of address characters is a
candidate, however it is glued to its surroundings (`ETH:0x…`, `…/address/T…`, `「0x…」`,
`…（ビットコイン）`, `a/b`, `…<br/>`), and so is every join of up to `MAX_PIECES` consecutive
runs with only white space between them (an address broken over lines).

Strict: nothing that is not an address comes out. A candidate is kept when it validates as an
address (checksum or strict form), or when an explicit crypto label introduces it and it looks like
an address: then it is kept as published, `invalid`, so the listing shows what the authority
wrote. A candidate that looks like an address (long, an address alphabet, letters and digits) but
validates as none and has no label is *unread*: the caller warns about it, naming the record.
A destination tag or memo written after an address (`destination tag N`, `(Address tag N)`,
`memo N`, `tag: N`, `dt=N`) makes it a tagged deposit, exactly as in a cell.

A label (`ETH:`, `XBT`, `(1) BNB:`, "the following Tron crypto addresses:") applies to the
addresses it introduces and no further: the first word of prose after them ends it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from sanctions_feed.schemas.address import NormalizedAddress

from .core import normalize
from .labels import CHAIN_WORDS, TOKENS
from .text import LOOKALIKE_LETTERS, memo_after

# Chain names a section sentence uses ("the following Tron crypto addresses"), any case.
_CHAIN_NAMES = {"BITCOIN", "ETHEREUM", "TRON", "LITECOIN", "MONERO", "DOGECOIN", "ZCASH", "RIPPLE",
                "SOLANA", "POLYGON", "ARBITRUM", "TETHER", "DASH", "VERGE"}
_LABELS = set(CHAIN_WORDS) | TOKENS
# An HTML tag (`<br/>`, `<a href=…>`): a short name, then attributes. An address in angle brackets
# (`<1A1z…>`, longer than any tag name) is text.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,9}(?:[\s/][^<>]{0,400})?>")
# A run of address characters: ASCII letters and digits, and the look-alike letters some orders
# slip into addresses (read only where the whole run then validates).
_RUN = re.compile("[0-9A-Za-z" + re.escape("".join(LOOKALIKE_LETTERS)) + "]+")
_ASCII_RUN = re.compile(r"[0-9A-Za-z]+")
_JOINABLE_GAP = re.compile(r"[ \t\r\n]+|-[ \t]*\r?\n[ \t]*")  # white space, or a hyphen at a line end
_NUMBERING = re.compile(r"\d{1,2}|[a-z]")  # "(1)", "2.", "a)": list numbering, not prose
# What looks like an address though it validates as none: long, one alphabet, letters and digits.
_LOOKS_LIKE = re.compile(r"(?=[0-9A-Za-z]*[0-9])(?=[0-9A-Za-z]*[A-Za-z])(?:0x[0-9A-Fa-f]{30,}|[1-9A-HJ-NP-Za-km-z]{25,110}"
                         r"|[ac-hj-np-z02-9]{6,20}1[ac-hj-np-z02-9]{30,90}|[0-9A-Fa-f]{38,42})")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_HEX = re.compile(r"[0-9A-Fa-f]+")
MIN_LENGTH, MAX_LENGTH = 25, 110  # the shortest (XRP, Bitcoin) and longest (Monero integrated) forms
MAX_PIECES = 4  # an address broken over at most this many lines is joined back
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
    """The text of the address as read (folded; pieces joined when a line break cut it; with its
    tag when one follows): `normalize(raw, label)` reads it again as `address`."""
    label: str | None
    """The crypto label that introduced it, as written (`ETH`, `Tron`...), or None."""
    address: NormalizedAddress


class Prose(NamedTuple):
    mentions: list[Mention]
    """Every address in the text, in order, once each."""
    unread: list[str]
    """Runs that look like addresses but validate as none, with no label to keep them by."""


class _Run(NamedTuple):
    text: str
    start: int
    end: int


def extract(text: str | None) -> list[Mention]:
    """Every address in `text`, in order, once each."""
    return read_prose(text).mentions


def fold(text: str) -> str:
    """The text as read: HTML tags and entities resolved to text, NFKC per character (full-width
    forms, no-break and ideographic spaces), invisible characters (zero-width, bidi marks, soft
    hyphen) removed."""
    if "<" in text or "&" in text:
        text = html.unescape(_HTML_TAG.sub("\n", text))
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """One character as read. Full-width forms fold to ASCII; other characters NFKC would turn
    into an ASCII letter or digit (a superscript footnote mark `¹`, a circled `①`) are no part of
    an address: they separate, like punctuation."""
    if char.isascii():
        return char
    if unicodedata.category(char) == "Cf":
        return ""
    folded = unicodedata.normalize("NFKC", char)
    if "\uff01" <= char <= "\uff5e":
        return folded
    return " " if any(c.isascii() and c.isalnum() for c in folded) else folded


def read_prose(text: str | None) -> Prose:
    if not text:
        return Prose([], [])
    folded = fold(text)
    runs = _runs(folded)
    found: list[Mention] = []
    unread: list[str] = []
    label: str | None = None
    pending = 0  # words of prose left before an open label with no address yet expires
    consumed = False  # the open label has introduced at least one address
    i = 0
    while i < len(runs):
        word, used = _label_at(folded, runs, i)
        if word is not None:
            label, pending, consumed = word, PENDING_WORDS, False
            i += used
            continue
        mentions, used = _read_at(folded, runs, i, label)
        if mentions:
            found += mentions
            consumed = True
            i += used
            continue
        parts = _affixed(runs[i])
        if parts:  # a word glued to an address (`…DX9ETH:`, `walletbc1q…`): read apart
            runs[i:i + 1] = parts
            continue
        if _looks_like_address(runs[i].text):
            unread.append(runs[i].text)
        if not _is_numbering(folded, runs[i]):  # a word of prose
            if consumed or pending <= 0:
                label = None
            pending -= 1
        i += 1
    unique: dict[str, Mention] = {}
    for mention in found:
        unique.setdefault(mention.address.id, mention)
    return Prose(list(unique.values()), list(dict.fromkeys(unread)))


def _runs(folded: str) -> list[_Run]:
    """Maximal runs of address characters; a run with look-alike letters that does not read as one
    address with them is read as its ASCII parts."""
    runs = []
    for match in _RUN.finditer(folded):
        run = _Run(match.group(), match.start(), match.end())
        if run.text.isascii() or _ascii_reading(run.text):
            runs.append(run)
        else:
            runs += [_Run(m.group(), run.start + m.start(), run.start + m.end()) for m in _ASCII_RUN.finditer(run.text)]
    return runs


def _ascii_reading(text: str) -> bool:
    if len(text) < MIN_LENGTH or not any(c.isascii() for c in text):
        return False
    reading = _reading(text, None)
    return reading is not None and reading.validity == "valid"


def _label_at(folded: str, runs: list[_Run], i: int) -> tuple[str | None, int]:
    """The crypto label that starts at run i and how many runs it takes: a ticker in capitals
    (`ETH`, `XBT`), a ticker or chain written with a colon (`Eth:`), a chain's name (`Tron`,
    `Bitcoin`) in any case, a token standard (`TRC-20`)."""
    run = runs[i]
    if i + 1 < len(runs) and folded[run.end:runs[i + 1].start] == "-":
        joined = f"{run.text}-{runs[i + 1].text}"
        if joined.upper() in _LABELS:
            return joined, 2
    upper = run.text.upper()
    if upper in _CHAIN_NAMES:
        return run.text, 1
    if upper in _LABELS and (run.text.isupper() or folded[run.end:run.end + 2].lstrip(" ")[:1] == ":"):
        return run.text, 1
    return None, 0


def _is_numbering(folded: str, run: _Run) -> bool:
    if not _NUMBERING.fullmatch(run.text):
        return False
    return run.text.isdigit() or folded[run.end:run.end + 1] == ")"


def _read_at(folded: str, runs: list[_Run], i: int, label: str | None) -> tuple[list[Mention], int]:
    """The addresses that start at run i, and how many runs they take (0: none)."""
    run = runs[i]
    if not _valid(run.text, label):  # an address line breaks cut: joined only if it then validates
        joined, used = _joined(folded, runs, i, label)
        if joined is not None:
            return [_mention(folded, joined, runs[i + used - 1].end, label)], used
    if len(run.text) < MIN_LENGTH:
        return [], 0
    reading = _reading(run.text, label)
    if reading is not None and _keep(reading, label):
        return [_mention(folded, run.text, run.end, label)], 1
    pieces = _glued(run.text, label)
    if pieces:
        return [Mention(piece, label, reading) for piece, reading in pieces], 1
    if (reading is not None and label is not None and reading.kind == "address" and len(run.text) <= MAX_LENGTH
            and not _affixed(run)):
        return [Mention(run.text, label, reading)], 1  # labelled, address-like, invalid: kept as published
    return [], 0


def _joined(folded: str, runs: list[_Run], i: int, label: str | None) -> tuple[str | None, int]:
    text = runs[i].text
    for j in range(i + 1, min(i + MAX_PIECES, len(runs))):
        if not _JOINABLE_GAP.fullmatch(folded[runs[j - 1].end:runs[j].start]) or _valid(runs[j].text, label):
            return None, 0
        text += runs[j].text
        if len(text) > MAX_LENGTH:
            return None, 0
        if len(text) >= MIN_LENGTH:
            reading = _reading(text, label)
            if reading is not None and reading.validity == "valid" and _keep(reading, None):
                return text, j - i + 1
    return None, 0


def _mention(folded: str, text: str, end: int, label: str | None) -> Mention:
    """The mention of an address read as `text` (ending at `end`), with the tag written after it."""
    memo = memo_after(folded, end)
    if memo is not None:
        tagged = f"{text} {memo.group(1).strip()}"
        reading = _reading(tagged, label)
        if reading is not None and reading.kind == "tagged_deposit":
            return Mention(tagged, label, reading)
    reading = _reading(text, label)
    assert reading is not None
    return Mention(text, label, reading)


def _affixed(run: _Run) -> list[_Run]:
    """A run that is an address with a word glued before or after it, as its parts: the longest
    prefix, else the longest suffix, that validates as an address by itself (a checksum or a
    strict form; never a prefix of a longer hex string, which is a hash)."""
    text = run.text
    if len(text) <= MIN_LENGTH or not text.isascii() or (text[:2] == "0x" and _HEX.fullmatch(text, 2)):
        return []
    for cut in range(min(len(text) - 1, MAX_LENGTH), MIN_LENGTH - 1, -1):
        if _valid(text[:cut], None):
            return [_Run(text[:cut], run.start, run.start + cut), _Run(text[cut:], run.start + cut, run.end)]
    for cut in range(1, len(text) - MIN_LENGTH + 1):
        if len(text) - cut <= MAX_LENGTH and _valid(text[cut:], None):
            return [_Run(text[:cut], run.start, run.start + cut), _Run(text[cut:], run.start + cut, run.end)]
    return []


def _looks_like_address(text: str) -> bool:
    """Long, in one address alphabet, letters and digits both, and not a bank account (IBAN) or a
    transaction hash: worth a warning when it validates as no address."""
    if not _LOOKS_LIKE.fullmatch(text) or (_IBAN.fullmatch(text) and _iban_valid(text)):
        return False
    return not (len(text) in (64, 66) and re.fullmatch(r"(?:0x)?[0-9a-fA-F]{64}", text))


def _iban_valid(text: str) -> bool:
    """ISO 13616's check: the country and check digits moved to the end, letters as numbers, mod 97."""
    digits = "".join(str(int(c, 36)) for c in text[4:] + text[:4])
    return int(digits) % 97 == 1


def _keep(reading: NormalizedAddress, label: str | None) -> bool:
    if reading.kind not in ("address", "tagged_deposit") or reading.chain == "unknown":
        return False
    if label is not None:
        return reading.validity != "invalid"
    # Unlabelled: only what validates. A bare Solana key has no checksum to validate.
    return reading.validity == "valid" and reading.chain != "solana"


def _valid(token: str, label: str | None) -> bool:
    if len(token) < MIN_LENGTH - 2:  # shorter than any address (with a 0x of 40 hex, 42)
        return False
    reading = _reading(token, label)
    return reading is not None and _keep(reading, label)


@lru_cache(maxsize=4096)
def _reading(token: str, label: str | None) -> NormalizedAddress | None:
    results = normalize(token, label)
    return results[0] if len(results) == 1 else None


def _glued(token: str, label: str | None) -> list[tuple[str, NormalizedAddress]]:
    """Addresses written one after another with no separator: split only at boundaries where
    every piece validates (one way only; anything ambiguous stays as it is)."""
    if len(token) < 2 * MIN_LENGTH or not token.isascii():
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
