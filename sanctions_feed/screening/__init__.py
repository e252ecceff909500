"""Screening addresses against a release: `check`. Pure over a release's address records; the
command line reads the release and writes the verdicts.

An input matches an address when both share a match key (`normalize.keys`): any written form,
case, spacing, invisible or look-alike characters, and any EVM chain for an EVM address. A tagged
deposit address matches only with its tag; the address alone is reported as `tag_required`.
"""

from __future__ import annotations

from .screen import (
    INVALID,
    MATCH,
    MAX_LINE,
    NEAR_MISS_MIN,
    NO_MATCH,
    NOT_AN_ADDRESS,
    NOT_IN_FORCE,
    NOT_VALID,
    NOTES,
    TAG_REQUIRED,
    KeyIndex,
    NearMisses,
    Screen,
    ScreenResult,
    bounded_lines,
    evm_note,
    listing_in_force,
    listing_start,
    listing_status_on,
    reading_of,
    release_in_force,
)

__all__ = ["INVALID", "MATCH", "MAX_LINE", "NEAR_MISS_MIN", "NOTES", "NOT_AN_ADDRESS", "NOT_IN_FORCE", "NOT_VALID",
           "NO_MATCH", "TAG_REQUIRED", "KeyIndex", "NearMisses", "Screen", "ScreenResult", "Screener",
           "bounded_lines", "evm_note", "listing_in_force", "listing_start", "listing_status_on", "reading_of",
           "release_in_force"]


def __getattr__(name: str):
    # The engine behind serve and Python callers, imported when asked for: `check` needs none of
    # what it loads (verification, a replica's downloads).
    if name == "Screener":
        from .screener import Screener

        return Screener
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
