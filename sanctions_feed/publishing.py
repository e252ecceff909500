"""The publishing settings of `update` (signing key, validity, public URL, object storage,
webhooks), checked once, before anything is crawled: a bad key or URL fails the run in one line."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from .errors import SanctionsFeedError
from .publish.settings import Publishing

WEBHOOK_SECRET_ENV = "SANCTIONS_FEED_WEBHOOK_SECRET"


class PublishingError(SanctionsFeedError):
    """A publishing setting that cannot be used."""


def inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def in_git_work_tree(path: Path) -> bool:
    return any((parent / ".git").exists() for parent in path.resolve().parents)


def check_key_location(key: Path, feeds: Path, new: bool = False) -> None:
    """A secret key inside the feed directory would be served to everyone; a new one made inside
    a repository could be committed."""
    if inside(key, feeds):
        raise PublishingError(f"{key}: the signing key is inside the feed directory {feeds}, which is published; "
                              "keep it elsewhere (e.g. ~/.config/sanctions-feed/minisign.key)")
    if new and in_git_work_tree(key):
        raise PublishingError(f"{key}: the signing key is inside a git work tree, where it could be committed; "
                              "keep it elsewhere (e.g. ~/.config/sanctions-feed/minisign.key)")


def publishing_settings(feeds: Path, signing_key: Path | None, expires_after: int, feed_url: str | None,
                        publish_to: str | None, webhooks: tuple[str, ...]) -> Publishing:
    from .publish.signing import read_secret_key

    key = None
    if signing_key is not None:
        check_key_location(signing_key, feeds)
        key = read_secret_key(signing_key)
    if feed_url and urlsplit(feed_url).scheme not in ("http", "https"):
        raise PublishingError(f"--feed-url {feed_url!r}: not an http(s) URL")
    if publish_to:
        from .publish.objects import parse_s3_url

        parse_s3_url(publish_to)
    hooks = tuple(url for value in webhooks for url in value.split())
    for url in hooks:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise PublishingError(f"--webhook {url!r}: not an http(s) URL")
    secret = os.environ.get(WEBHOOK_SECRET_ENV) or None
    if hooks and not secret:
        raise PublishingError(f"webhooks need a shared secret to sign their payloads: set {WEBHOOK_SECRET_ENV}")
    return Publishing(key=key, validity=timedelta(days=expires_after), feed_url=feed_url, publish_to=publish_to,
                      webhooks=hooks, webhook_secret=secret)
