"""The feed pushed to S3-compatible object storage, for pullers at scale (behind a CDN).

Object stores have no symlinks and no atomic directory rename, so the order is the guarantee:
1. each release not yet in the bucket, file by file, its manifest and signature last, every
   object written with `If-None-Match: *` (a release already there is never overwritten), a
   SHA-256 checksum the store verifies, its content type, and `Cache-Control: immutable`;
2. `latest/` copies of the newest release (short max-age);
3. the feed root's files and the site, and `index.json` last: it is the pointer, and it only ever names
   releases whose every file is already there.
The bucket's own index.json says which releases it holds: one GET per push. Endpoint, region and
credentials come from the standard AWS configuration (AWS_ENDPOINT_URL, AWS_REGION, profiles...)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from sanctions_feed.schemas.feed import IndexArchive

from .at_rest import release_bytes, release_names
from .errors import FeedError
from .reading import VERSION_ID, local_reader, read_page
from .release import INDEX
from .serve import IMMUTABLE, MUTABLE, content_type
from .signing import PUBLIC_KEY_FILE
from .site import SITE

ROOT_FILES = (PUBLIC_KEY_FILE, "changes.atom", "catalog.json", "delta.json")
"""Pushed after latest/, before index.json (which is last)."""


class PushError(FeedError):
    """The object-storage copy could not be brought up to date (the local release stands)."""


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, key prefix without slashes at either end) of s3://bucket/prefix."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise FeedError(f"--publish-to {url!r}: not an s3://BUCKET/PREFIX URL")
    return parts.netloc, parts.path.strip("/")


class Bucket:
    def __init__(self, url: str, client=None):
        import boto3

        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        from botocore.config import Config

        # Bounded waits: a black-hole endpoint fails in seconds, not after botocore's minutes of retries.
        self.client = client or boto3.session.Session().client("s3", config=Config(
            connect_timeout=10, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}))
        self.written = 0

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def read(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "AccessDenied", "403"):
                return None
            raise

    def put(self, name: str, data: bytes, cache_control: str, once: bool) -> None:
        """Write one object; `once`: never over an existing one (an identical one is left alone)."""
        from botocore.exceptions import ClientError

        digest = hashlib.sha256(data).digest()
        extra = {"IfNoneMatch": "*"} if once else {}
        if name.endswith(".gz"):
            # A release file's gzip sibling, stored as nginx's gzip_static sends it for the file's
            # own URL (its file's type, gzip-encoded): a CDN rule that answers `addresses.json`
            # from `addresses.json.gz` for clients that accept gzip sends it right as it is.
            extra |= {"ContentEncoding": "gzip"}
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=data, ContentType=content_type(name.removesuffix(".gz")),
                                   CacheControl=cache_control, ChecksumSHA256=base64.b64encode(digest).decode(),
                                   Metadata={"sha256": digest.hex()}, **extra)
        except ClientError as exc:
            if not once or exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
                raise
            there = self.client.head_object(Bucket=self.bucket, Key=self.key(name)).get("Metadata", {}).get("sha256")
            if there != digest.hex():
                raise PushError(f"{self.url}: {name} is already in the bucket with other content; a published "
                                "release is never overwritten") from None
            return
        self.written += 1


def _remote_index(bucket: Bucket, warnings: list[str]) -> dict | None:
    """The bucket's index.json; one that is not a feed index is a warning, and the bucket is taken
    to hold no release (each is written with If-None-Match: identical objects are left alone)."""
    data = bucket.read(INDEX)
    if data is None:
        return None
    try:
        remote = json.loads(data)
        if isinstance(remote, dict) and isinstance(remote.get("versions"), list) \
                and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in remote["versions"]):
            return remote
    except (ValueError, RecursionError):
        pass
    warnings.append(f"warning: {bucket.url}/{INDEX} in the bucket is not a feed index; it is written anew "
                    "after every release is checked in")
    return None


def _pages(index: dict) -> list[IndexArchive]:
    """The yearly pages an index lists, each path checked (`index/<year>.json`, nothing else)."""
    try:
        return [IndexArchive.model_validate(entry) for entry in index.get("archives", [])]
    except ValidationError:
        return []


def _listed(index: dict, read, where: str) -> set[str]:
    """Every release an index names: its recent `versions` and those of its yearly pages (a page
    missing, altered or not a page names none: its releases are pushed again, each written once)."""
    ids = {v["id"] for v in index.get("versions", [])}
    for archive in _pages(index):
        try:
            ids.update(v.id for v in read_page(archive, read, where))
        except FeedError:
            continue
    return {i for i in ids if VERSION_ID.fullmatch(i)}  # release ids, never a path


def push_feed(feeds: Path, url: str, client=None) -> list[str]:
    """Bring the bucket up to date with the local feed; lines saying what was pushed (and warned)."""
    from botocore.exceptions import BotoCoreError, ClientError

    local = json.loads((feeds / INDEX).read_bytes()) if (feeds / INDEX).is_file() else None
    if local is None or not VERSION_ID.fullmatch(str(local.get("latest") or "")):
        return [f"{url}: nothing published yet, nothing pushed"]
    warnings: list[str] = []
    try:
        bucket = Bucket(url, client)
        remote = _remote_index(bucket, warnings)
        held = _listed(remote, bucket.read, bucket.url) if remote else set()
        missing = sorted(v for v in _listed(local, local_reader(feeds), str(feeds))
                         if v not in held and (feeds / "v" / v).is_dir())
        for version in missing:
            folder = feeds / "v" / version
            for name in release_names(folder):  # an older release kept packed is pushed as published
                bucket.put(f"v/{version}/{name}", release_bytes(folder / name), IMMUTABLE, once=True)
        moved = remote is None or remote.get("latest") != local["latest"]
        if moved:  # an unchanged run sends index.json alone
            latest = feeds / "v" / local["latest"]
            for name in release_names(latest):
                bucket.put(f"latest/{name}", release_bytes(latest / name), MUTABLE, once=False)
            for name in ROOT_FILES:
                if (feeds / name).is_file():
                    bucket.put(name, (feeds / name).read_bytes(), MUTABLE, once=False)
            site = feeds / SITE
            for path in sorted(p for p in site.rglob("*") if p.is_file()) if site.is_dir() else []:
                bucket.put(f"{SITE}/{path.relative_to(site).as_posix()}", path.read_bytes(), MUTABLE, once=False)
        pushed_pages = {a.path: a.sha256 for a in _pages(remote or {})}
        for archive in _pages(local):  # before index.json names them
            if pushed_pages.get(archive.path) != archive.sha256:
                bucket.put(archive.path, (feeds / archive.path).read_bytes(), MUTABLE, once=False)
        bucket.put(INDEX, (feeds / INDEX).read_bytes(), MUTABLE, once=False)
    except (BotoCoreError, ClientError) as exc:
        raise PushError(f"{url}: the push failed ({type(exc).__name__}: {exc}); the local release stands, "
                        "and the next run pushes what is missing") from None
    releases = ", ".join(missing) if missing else "none new"
    pointers = "latest/, the root files and index.json" if moved else "index.json"
    return warnings + [f"pushed to {url}: releases {releases}; {pointers} ({bucket.written} objects)"]
