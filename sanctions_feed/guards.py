"""The guards: a source run that looks broken changes nothing. Checked after normalization and
before the store, against what the store holds for that source."""

from __future__ import annotations

from .errors import SanctionsFeedError
from .schemas.source import SourceMeta

# A run that would delist more than this share of a source's active listings is refused.
MAX_REMOVED_SHARE = 0.30
MIN_REMOVED_TO_GUARD = 3


class GuardError(SanctionsFeedError):
    """A source run looks broken (too few or too many records, or too many removals)."""


def check_run(name: str, meta: SourceMeta, listing_ids: set[str], active_ids: set[str], force: bool) -> set[str]:
    """Refuse a run outside the source's declared bounds, or one that would remove a large share
    of its active listings (unless forced). Returns the ids of the listings the run removes."""
    count = len(listing_ids)
    if count < meta.expected_min:
        raise GuardError(f"{name}: {count} listings, fewer than the {meta.expected_min} expected: refused")
    if count > meta.expected_max:
        raise GuardError(f"{name}: {count} listings, more than the {meta.expected_max} expected: refused")
    removed = active_ids - listing_ids
    if not force and len(removed) >= MIN_REMOVED_TO_GUARD and len(removed) > MAX_REMOVED_SHARE * len(active_ids):
        raise GuardError(f"{name}: would remove {len(removed)} of {len(active_ids)} active listings "
                         f"({len(removed) / len(active_ids):.0%}): refused (use --force if the source really changed)")
    return removed
