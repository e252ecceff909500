"""How releases are published beyond their files (kept free of heavy imports: the command line
builds it before the crawl starts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sanctions_feed.schemas.release import Manifest

    from .signing import SecretKey

DEFAULT_VALIDITY = timedelta(days=30)
WEBHOOK_DEADLINE = 30.0
"""Seconds one webhook delivery may take in all, its retries included, by default."""
PUSH_DEADLINE = 120.0
"""Seconds the push to object storage may take in all, by default."""


@dataclass(frozen=True)
class Publishing:
    """How releases are published beyond the files themselves: signed (with `key`), valid for
    `validity`, announced under `feed_url` (the feed's public URL, for links in notifications)."""

    key: SecretKey | None = None
    validity: timedelta = DEFAULT_VALIDITY
    feed_url: str | None = None
    publish_to: str | None = None
    """s3://bucket/prefix: the object-storage copy, pushed after each release."""
    webhooks: tuple[str, ...] = ()
    webhook_secret: str | None = None
    webhook_deadline: float = WEBHOOK_DEADLINE
    push_deadline: float = PUSH_DEADLINE
    plain_releases: int = 0
    """The newest releases kept as written; older ones keep their text files gzip-compressed
    (publish/at_rest.py). 0: every release as written, as it was published."""

    def link(self, path: str) -> str:
        """A feed file's link for readers elsewhere: absolute under the feed's public URL when
        one is configured, else relative to the feed root (it resolves from `serve`, object
        storage or a file)."""
        return f"{self.feed_url.rstrip('/')}/{path}" if self.feed_url else path

    def renewal_due(self, manifest: Manifest, now: datetime) -> bool:
        """A quiet feed renews its latest release before it expires (a quarter of the validity
        ahead), so that pullers never see an expired release from a healthy publisher."""
        return manifest.expires_at is None or manifest.expires_at - now < self.validity / 4


UNSIGNED = Publishing()
"""No key, no copies elsewhere, no webhooks: the files alone."""
