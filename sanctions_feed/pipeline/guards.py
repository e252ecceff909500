"""The guards: a source run that looks broken changes nothing. Checked after normalization and
before the store, against what the store holds for that source."""

from __future__ import annotations

import os
from datetime import date

from sanctions_feed.errors import SanctionsFeedError
from sanctions_feed.schemas.source import SourceMeta

# A run that would delist more than this share of a source's active listings is refused.
MAX_REMOVED_SHARE = 0.30
MIN_REMOVED_TO_GUARD = 3


class GuardError(SanctionsFeedError):
    """A source run looks broken (too few or too many records, or too many removals)."""


def bounds(name: str, meta: SourceMeta, input: str = "live",
           configured: tuple[int, int] | None = None) -> tuple[int, int]:
    """The listing counts a run of the source must fall within, by what it read:
    - live (its URL): the declared bounds, which catch a broken or partial source;
    - sample (`--samples`): the bundled sample's bounds;
    - replay (`--source`): an input the operator chose, e.g. an archived list of 2021 with a
      sixth of today's addresses: never empty, and never above the live maximum.
    `SANCTIONS_FEED_BOUNDS` (`NAME=MIN:MAX,...`) sets them for this deployment, e.g. a partial
    mirror; so does the configuration file (`configured`), which the environment overrides."""
    for item in filter(None, os.environ.get("SANCTIONS_FEED_BOUNDS", "").split(",")):
        key, _, value = item.strip().partition("=")
        low, _, high = value.partition(":")
        if not (key and low.isdigit() and high.isdigit()):
            raise GuardError(f"SANCTIONS_FEED_BOUNDS: {item!r} is not NAME=MIN:MAX")
        if key == name:
            return int(low), int(high)
    if configured is not None:
        return configured
    if input == "sample":
        return meta.sample_min, meta.sample_max
    if input == "replay":
        return min(1, meta.expected_min), meta.expected_max
    return meta.expected_min, meta.expected_max


def check_run(name: str, meta: SourceMeta, listing_ids: set[str], active_ids: set[str], force: bool,
              input: str = "live", withdrawn: frozenset[str] = frozenset(),
              configured: tuple[int, int] | None = None) -> set[str]:
    """Refuse a run outside the source's bounds, or one that would remove a large share of its
    active listings (unless forced). Returns the ids of the listings the run removes.
    `withdrawn`: listings the source itself says it withdrew (Japan's 削除 rows): their removal is
    the source's word, not a sign of a broken file, so the share guard does not count them."""
    count = len(listing_ids)
    low, high = bounds(name, meta, input, configured)
    of = {"sample": " of its bundled sample", "replay": " of a replay"}.get(input, "")
    if not force and count < low:
        raise GuardError(f"{name}: {count} listings, fewer than the {low} expected{of}: refused "
                         "(use --force if the source really shrank)")
    if not force and count > high:
        raise GuardError(f"{name}: {count} listings, more than the {high} expected{of}: refused "
                         "(use --force if the source really grew)")
    removed = active_ids - listing_ids
    unexplained = removed - withdrawn
    if not force and len(unexplained) >= MIN_REMOVED_TO_GUARD and len(unexplained) > MAX_REMOVED_SHARE * len(active_ids):
        raise GuardError(f"{name}: would remove {len(unexplained)} of {len(active_ids)} active listings "
                         f"({len(unexplained) / len(active_ids):.0%}): refused (use --force if the source really changed)")
    return removed


def check_fresh(name: str, as_of: date | None, published_as_of: date | None, force: bool) -> None:
    """A source's own publication date (OFAC's DateOfIssue...) never goes back: an older list is
    not the newest truth, whatever its content (unless forced, to roll back on purpose)."""
    if not force and as_of is not None and published_as_of is not None and as_of < published_as_of:
        raise GuardError(f"{name}: the input is dated {as_of}, older than the {published_as_of} list already "
                         "published: refused (use --force to go back to it)")


def check_store_matches_feed(published: str | None, store_sources: set[str], latest: str | None,
                             feed_sources: set[str], where: str) -> None:
    """The published release is the reference. A store that did not publish the feed's latest
    release (empty, lost, another feed's, or missing sources) would silently drop every source the
    run does not touch: refused, with the way out."""
    if latest is None or published == latest:
        return
    fix = ("rebuild it from the feed with `sanctions-feed rebuild-store`, or pass the store that "
           "published this feed with --db")
    if published is not None:
        raise GuardError(f"{where}: the store last published {published}, but the feed's latest release is "
                         f"{latest}: not this feed's store; refused ({fix})")
    if not store_sources:
        raise GuardError(f"{where}: the store is empty but the feed has releases (latest {latest}): a lost or "
                         f"mistyped store would drop every source from the feed; refused ({fix})")
    missing = sorted(feed_sources - store_sources)
    if missing:
        raise GuardError(f"{where}: the store lacks sources the feed publishes ({', '.join(missing)}); refused ({fix})")
