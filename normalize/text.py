"""Cleaning raw cells: invisible characters, look-alike letters, memo notes, splitting.

Look-alikes are only *candidates*: `normalize.core` accepts a replacement only when the result
then validates, so a table entry can never turn a bad address into another good-looking one.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

# Look-alike -> the Latin letters (or digits) it is drawn to imitate, most likely first.
# From Unicode's confusables data plus what the Israeli orders were seen to use: Cyrillic,
# Greek, Armenian and small-capital letters. Case-ambiguous shapes list both cases.
_LOOKALIKES = {
    # Cyrillic capitals and smalls
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K", "М": "M",
    "О": "O0", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y", "Ԍ": "G", "Ԛ": "Q",
    "Ԝ": "W", "Ӏ": "l1I", "а": "a", "с": "cC", "е": "e", "һ": "h", "і": "i", "ј": "j",
    "о": "o0", "р": "p", "ѕ": "sS", "х": "xX", "у": "y", "ү": "y", "ԁ": "d", "ԛ": "q",
    "ԝ": "wW", "ӏ": "l1I", "к": "kK", "в": "B", "м": "M", "н": "H", "т": "T",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I1l", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O0", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    "ο": "o0", "ϳ": "j", "ν": "vV", "α": "a", "ι": "i", "κ": "k", "ρ": "p", "υ": "u",
    "χ": "xX", "ϲ": "cC", "ϒ": "Y",
    # Armenian
    "հ": "h", "ո": "n", "Ս": "U", "ս": "uU", "օ": "o0", "Օ": "O0", "ց": "g", "զ": "q",
    "Լ": "L", "ք": "p", "Ց": "S",
    # Latin small capitals
    "ᴀ": "aA", "ʙ": "bB", "ᴄ": "cC", "ᴅ": "dD", "ᴇ": "eE", "ɢ": "gG", "ʜ": "hH", "ɪ": "iI",
    "ᴊ": "jJ", "ᴋ": "kK", "ʟ": "lL", "ᴍ": "mM", "ɴ": "nN", "ᴏ": "oO", "ᴑ": "oO", "ᴘ": "pP",
    "ʀ": "rR", "ꜱ": "sS", "ᴛ": "tT", "ᴜ": "uU", "ᴠ": "vV", "ᴡ": "wW", "ʏ": "yY", "ᴢ": "zZ",
}
# Letters whose capital and small forms differ only in size: a look-alike may stand for either.
_SIZE_ONLY = "cosuvwxzCOSUVWXZ"
_LOOKALIKES = {
    char: targets + "".join(t.swapcase() for t in targets if t in _SIZE_ONLY and t.swapcase() not in targets)
    for char, targets in _LOOKALIKES.items()
}
LOOKALIKE_LETTERS = frozenset(_LOOKALIKES)
MAX_COMBINATIONS = 4096

# A destination tag or memo, as written after an address: `(Address tag 12345)*`, `destination tag
# 102334770`, `tag: 5`, `memo 77`, `dt=9` (also as a URI parameter: `?dt=9`, `?tag=9`, `&memo=x`).
_MEMO = re.compile(
    r"\(\s*(?:address\s+|destination\s+)?(?:tag|memo)\b\s*(?:id\b)?\s*[:#=]?\s*([^)]*?)\s*\)\s*\**"
    r"|[?&]?(?<![^\W_])(?:address\s+|destination\s+)?(?:tag|memo)(?:\s*id)?\s*(?:[:#=]\s*|\s+)([0-9A-Za-z]{1,64})\b\**"
    r"|[?&]?(?<![^\W_])dt\s*=\s*([0-9]{1,10})\b", re.I)
_SEPARATORS = re.compile(r"[\s,;/|]+")


def strip_invisible(text: str) -> tuple[str, bool]:
    """Remove format characters (zero-width, bidi marks, soft hyphen, BOM)."""
    if text.isascii():
        return text, False
    cleaned = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return cleaned, cleaned != text


def take_memos(text: str) -> tuple[str, list[str]]:
    """Exchange deposit notes such as `(Address tag 12345)*` or `destination tag 102334770`: the
    text without them, and their tags."""
    tags = [next(group for group in match.groups() if group is not None) for match in _MEMO.finditer(text)]
    return (_MEMO.sub(" ", text), tags) if tags else (text, [])


def split_cell(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(text) if part]


def lookalike_variants(token: str):
    """ASCII spellings of a token with look-alike letters, or nothing if a letter is unmapped.

    Letters outside the table are folded by NFKC (full-width forms and the like).
    """
    options = []
    for char in token:
        if char.isascii():
            options.append(char)
        elif char in _LOOKALIKES:
            options.append(_LOOKALIKES[char])
        else:
            folded = unicodedata.normalize("NFKC", char)
            if not (folded.isascii() and folded.isalnum()):
                return
            options.append(folded)
    total = 1
    for choice in options:
        total *= len(choice)
    if total > MAX_COMBINATIONS:
        options = [choice[0] for choice in options]
    for combination in itertools.product(*options):
        yield "".join(combination)


def latin_letter(char: str) -> str | None:
    """The Latin letter a look-alike imitates (the first letter it may stand for), or None."""
    targets = _LOOKALIKES.get(char, "")
    return next((t for t in targets if t.isalpha()), None)


def memo_after(text: str, start: int) -> re.Match | None:
    """The destination tag or memo written right after an address that ends at `start`, if any."""
    return _MEMO_AFTER.match(text, start)


_MEMO_AFTER = re.compile(r"[\s,;]{0,3}(" + _MEMO.pattern + ")", re.I)
