"""The publishing settings of `update` (signing key, validity, public URL, object storage,
webhooks), checked once, before anything is crawled: a bad key or URL fails the run in one line."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sanctions_feed.errors import SanctionsFeedError
from sanctions_feed.publish.settings import PUSH_DEADLINE, WEBHOOK_DEADLINE, Publishing

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


OPTIONS = {"feed_url": "--feed-url", "publish_to": "--publish-to", "webhooks": "--webhook"}
"""How each publishing URL is named in a problem: by its option (a configuration file names its keys)."""


def url_problems(feed_url: str | None, publish_to: str | None, webhooks, names: dict[str, str] = OPTIONS) -> list[str]:
    """What is wrong with the publishing URLs, one line each (`update` stops at the first,
    `config` lists them all)."""
    from sanctions_feed.publish.errors import FeedError
    from sanctions_feed.publish.objects import parse_s3_url

    problems = []
    if feed_url and urlsplit(feed_url).scheme not in ("http", "https"):
        problems.append(f"{names['feed_url']} {feed_url!r}: not an http(s) URL")
    if publish_to:
        try:
            parse_s3_url(publish_to)
        except FeedError:
            problems.append(f"{names['publish_to']} {publish_to!r}: not an s3://BUCKET/PREFIX URL")
    for url in (url for value in webhooks for url in value.split()):
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            problems.append(f"{names['webhooks']} {url!r}: not an http(s) URL")
    return problems


def publishing_settings(feeds: Path, signing_key: Path | None, expires_after: int, feed_url: str | None,
                        publish_to: str | None, webhooks: tuple[str, ...], webhook_deadline: float = WEBHOOK_DEADLINE,
                        push_deadline: float = PUSH_DEADLINE, plain_releases: int = 0) -> Publishing:
    from sanctions_feed.publish.signing import read_secret_key

    key = None
    if signing_key is not None:
        check_key_location(signing_key, feeds)
        key = read_secret_key(signing_key)
    problems = url_problems(feed_url, publish_to, webhooks)
    if problems:
        raise PublishingError(problems[0])
    hooks = tuple(url for value in webhooks for url in value.split())
    secret = os.environ.get(WEBHOOK_SECRET_ENV) or None
    if hooks and not secret:
        raise PublishingError(f"webhooks need a shared secret to sign their payloads: set {WEBHOOK_SECRET_ENV}")
    return Publishing(key=key, validity=timedelta(days=expires_after), feed_url=feed_url, publish_to=publish_to,
                      webhooks=hooks, webhook_secret=secret, webhook_deadline=webhook_deadline,
                      push_deadline=push_deadline, plain_releases=plain_releases)
