"""A replica's local copy of a remote feed (`serve --from URL`): `index.json` pulled with a
conditional GET, each new release downloaded whole into a hidden directory and renamed into
place, so the screener only ever reads complete releases from local disk. Nothing is shared
between replicas: each keeps its own cache."""

from __future__ import annotations

import logging
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from sanctions_feed.publish.errors import FeedError
from sanctions_feed.publish.release import INDEX, MANIFEST, VERSION_ID
from sanctions_feed.publish.signing import PUBLIC_KEY_FILE, SIGNATURE_SUFFIX
from sanctions_feed.schemas.release import IndexFile, Manifest

log = logging.getLogger(__name__)
USER_AGENT = "sanctions-feed-replica/0.1"
TIMEOUT = 60.0
KEPT_RELEASES = 5
"""Releases a replica keeps on disk beside the newest (older ones are fetched again when asked)."""


class Mirror:
    def __init__(self, url: str, cache: Path):
        self.url = url.rstrip("/") + "/"
        self.cache = Path(cache)
        self._etag: str | None = None

    def sync(self) -> bool:
        """Fetch index.json if it changed, and the release it names as latest if it is new here.
        True when something new arrived. FeedError when the feed cannot be read (the cache
        keeps serving)."""
        self.cache.mkdir(parents=True, exist_ok=True)
        headers = {"If-None-Match": self._etag} if self._etag else {}
        status, body, etag = self._get(INDEX, headers)
        if status == 304 or body is None:
            return False
        try:
            index = IndexFile.model_validate_json(body)
        except ValueError as exc:
            raise FeedError(f"{self.url}{INDEX}: not a feed index ({exc})") from None
        latest = index.latest or (index.versions[-1].id if index.versions else None)
        if latest is not None:
            self.ensure(latest)
            previous = Manifest.model_validate_json((self.cache / "v" / latest / MANIFEST).read_bytes()).previous
            if previous is not None and not (self.cache / "v" / previous / MANIFEST).is_file():
                # Verification checks the chain: the release before needs its manifest here.
                data = self._fetch(f"v/{previous}/{MANIFEST}")
                if data is not None:
                    _write(self.cache / "v" / previous / MANIFEST, data)
        key = self._fetch(PUBLIC_KEY_FILE)
        if key is not None:
            _write(self.cache / PUBLIC_KEY_FILE, key)
        _write(self.cache / INDEX, body)  # last: the screener sees the release only once it is whole
        self._etag = etag
        self._prune(latest)
        return True

    def ensure(self, version: str) -> None:
        """The release in the cache, downloaded whole if it is not there yet."""
        if not VERSION_ID.fullmatch(version):
            raise FeedError(f"{version!r} is not a release id")
        target = self.cache / "v" / version
        if _complete(target):
            return
        scratch = self.cache / "v" / f".{version}-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        base = f"v/{version}/"
        manifest_bytes = self._fetch(base + MANIFEST)
        if manifest_bytes is None:
            raise FeedError(f"{self.url}{base}{MANIFEST}: not found")
        manifest = Manifest.model_validate_json(manifest_bytes)
        _write(scratch / MANIFEST, manifest_bytes)
        signature = self._fetch(base + MANIFEST + SIGNATURE_SUFFIX)
        if signature is not None:
            _write(scratch / (MANIFEST + SIGNATURE_SUFFIX), signature)
        for name in manifest.files:
            data = self._fetch(base + name)
            if data is None:
                raise FeedError(f"{self.url}{base}{name}: not found (the release is incomplete)")
            _write(scratch / name, data)
        shutil.rmtree(target, ignore_errors=True)  # a release before the latest had only its manifest here
        scratch.replace(target)
        log.info("replica: release %s downloaded from %s", version, self.url)

    def _prune(self, latest: str | None) -> None:
        """Keep the newest `KEPT_RELEASES` + 1 releases and the latest; a release asked for by
        `on` again is fetched again."""
        folder = self.cache / "v"
        kept = sorted((p.name for p in folder.iterdir() if VERSION_ID.fullmatch(p.name)), reverse=True)
        for name in kept[KEPT_RELEASES + 1:]:
            if name != latest:
                shutil.rmtree(folder / name, ignore_errors=True)

    def _fetch(self, path: str) -> bytes | None:
        return self._get(path, {})[1]

    def _get(self, path: str, headers: dict) -> tuple[int, bytes | None, str | None]:
        request = urllib.request.Request(self.url + path, headers={"User-Agent": USER_AGENT,
                                                                   "Accept-Encoding": "identity", **headers})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) checked by the caller
                return answer.status, answer.read(), answer.headers.get("ETag")
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return 304, None, None
            if exc.code == 404:
                return 404, None, None
            raise FeedError(f"{self.url}{path}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise FeedError(f"{self.url}{path}: cannot fetch ({getattr(exc, 'reason', exc)})") from None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    temporary.write_bytes(data)
    temporary.replace(path)


def _complete(release: Path) -> bool:
    """Whether a cached release holds every file its manifest names (a release kept only for its
    manifest, to check the chain, does not)."""
    try:
        manifest = Manifest.model_validate_json((release / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return False
    return all((release / name).is_file() for name in manifest.files)
