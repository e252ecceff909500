"""Errors of the publishing side (kept free of heavy imports: the CLI catches them)."""

from sanctions_feed.errors import SanctionsFeedError


class FeedError(SanctionsFeedError):
    """The feed directory is not in a state we can read (e.g. a release named but missing)."""
