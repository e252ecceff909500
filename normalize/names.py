"""Holder names cleaned the way addresses are: invisible characters, look-alike letters inside
Latin words, stray quotes. Pure; each change is recorded as an issue, never made silently."""

from __future__ import annotations

import re
import unicodedata

from .text import latin_letter, strip_invisible

_QUOTES = "\"'“”„‘’«»`"
_WORD = re.compile(r"\S+")


def clean_name(text: str | None) -> tuple[str | None, tuple[str, ...]]:
    """(the cleaned name or None when nothing is left, the issues of what was done). Quotes are
    stripped only when they wrap the whole name: O'Brien and `Ahmed "Abu Ali"` keep theirs."""
    if text is None:
        return None, ()
    issues = set()
    cleaned, invisible = strip_invisible(text)
    if invisible:
        issues.add("invisible_characters_stripped")
    cleaned = " ".join(cleaned.split())
    while len(cleaned) >= 2 and cleaned[0] in _QUOTES and cleaned[-1] in _QUOTES:  # wrapped: `"Saleh M S"`
        issues.add("quotes_stripped")
        cleaned = cleaned[1:-1].strip()
    if cleaned and all(c in _QUOTES for c in cleaned):
        issues.add("quotes_stripped")
        cleaned = ""
    words = []
    for word in _WORD.findall(cleaned):
        fixed = _latin_word(word)
        if fixed != word:
            issues.add("homoglyphs_replaced")
        words.append(fixed)
    cleaned = " ".join(words)
    return (cleaned or None), tuple(sorted(issues))


def _latin_word(word: str) -> str:
    """Look-alikes become Latin only inside a word that is otherwise Latin: `ΑМIRA` -> `AMIRA`,
    while a word written wholly in Cyrillic or Greek is a real name in that script and stays."""
    if word.isascii() or not any(c.isascii() and c.isalpha() for c in word):
        return word
    out = []
    for char in word:
        letter = None if char.isascii() else latin_letter(char)
        if letter is None:
            out.append(char)
        else:  # keep the case the look-alike shows
            out.append(letter.upper() if unicodedata.category(char) == "Lu" else letter.lower())
    return "".join(out)
