"""Write a release completely or not at all: temp dir, hashes, manifest, one rename, then
`latest` and `index.json` are replaced last. The previous release is never touched."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import ValidationError

from sanctions_feed.schemas.feed import (
    AddressesFile,
    ChangesFile,
    FeedAddress,
    FileEntry,
    IndexFile,
    IndexVersion,
    Manifest,
    SourceStatus,
)

from .diff import diff, is_empty
from .errors import FeedError
from .writers import FILE_WRITERS, ChainLists, Records, RejectedCsv, write_json

INDEX = "index.json"


def _read_model(path: Path, model, what: str):
    """A published JSON file read back into its model; a file we cannot read is named in the error."""
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the document"
        raise FeedError(f"{path}: not a valid {what} ({exc.error_count()} problems; first at {where}: "
                        f"{first['msg']})") from None
    except OSError as exc:
        raise FeedError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None


def read_index(feeds: Path) -> IndexFile | None:
    path = feeds / INDEX
    if not path.exists():
        return None
    return _read_model(path, IndexFile, "feed index")


VERSION_ID = re.compile(r"\d{8}T\d{6}Z(?:-\d+)?")


def read_addresses(feeds: Path, version: str) -> list[FeedAddress]:
    if not VERSION_ID.fullmatch(version):  # never a path: nothing outside v/ is read
        raise FeedError(f"{version!r} is not a release id (like 20261124T120000Z, or latest)")
    path = feeds / "v" / version / "addresses.json"
    if not path.is_file():
        raise FeedError(f"release {version!r} not found in {feeds}")
    return _read_model(path, AddressesFile, "release address file").addresses


ID_FORMAT = "%Y%m%dT%H%M%SZ"


def version_time(version: str) -> datetime:
    """The time a version id names (ids of older releases may carry a `-N` suffix)."""
    return datetime.strptime(version.split("-", 1)[0], ID_FORMAT).replace(tzinfo=timezone.utc)


def _version_id(now: datetime, feeds: Path, latest: str | None) -> str:
    """The run's time as an id that sorts after every earlier one, as a string: a second later
    than the latest release when the clock went back or several releases share a second (the
    manifest's `created_at` keeps the real clock)."""
    when = now.astimezone(timezone.utc).replace(microsecond=0)
    if latest is not None and when <= version_time(latest):
        when = version_time(latest) + timedelta(seconds=1)
    while (feeds / "v" / when.strftime(ID_FORMAT)).exists():
        when += timedelta(seconds=1)
    return when.strftime(ID_FORMAT)


def _atomic_write(path: Path, payload) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_json(tmp, payload)
    os.replace(tmp, path)


def _file_entry(path: Path, rows: int) -> FileEntry:
    data = path.read_bytes()
    return FileEntry(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), rows=rows)


def _same_rejected(feeds: Path, previous: str, rejected) -> bool:
    """The rejected records are part of a release's content: a change to them alone is a release."""
    path = feeds / "v" / previous / "manifest.json"
    entry = _read_model(path, Manifest, "release manifest").files.get(RejectedCsv.FILE_NAME)
    text, _ = RejectedCsv.render(rejected)
    return entry is not None and entry.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def refresh_index(feeds: Path, sources: list[SourceStatus], now: datetime) -> None:
    """Record in index.json how each source's last attempt went, with no new release."""
    feeds.mkdir(parents=True, exist_ok=True)
    index = read_index(feeds)
    _atomic_write(feeds / INDEX, IndexFile(latest=index.latest if index else None, updated_at=now,
                                           versions=list(index.versions) if index else [],
                                           sources=sources).model_dump(mode="json"))


def publish(feeds: Path, addresses: list[FeedAddress], rejected, sources: list[SourceStatus],
            now: datetime) -> tuple[str | None, ChangesFile | None]:
    """Publish a new release if the records changed; always refresh index.json's sources."""
    feeds.mkdir(parents=True, exist_ok=True)
    index = read_index(feeds)
    previous = index.latest if index else None
    old = read_addresses(feeds, previous) if previous else []
    version = _version_id(now, feeds, previous)
    changes = diff(previous, old, version, addresses)
    versions = list(index.versions) if index else []
    if previous is not None and is_empty(changes) and _same_rejected(feeds, previous, rejected):
        refresh_index(feeds, sources, now)
        return None, None
    tmp = feeds / f".tmp-{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        files = {}
        records = Records(addresses)
        for writer in FILE_WRITERS:
            rows = writer.write(tmp, version=version, addresses=addresses, changes=changes,
                                rejected=rejected, records=records, sources=sources)
            files[writer.FILE_NAME] = _file_entry(tmp / writer.FILE_NAME, rows)
        for name, rows in ChainLists().write_all(tmp, addresses).items():
            files[name] = _file_entry(tmp / name, rows)
        manifest = Manifest(version=version, previous=previous, created_at=now, sources=sources, files=files)
        write_json(tmp / "manifest.json", manifest.model_dump(mode="json"))
        (feeds / "v").mkdir(exist_ok=True)
        os.rename(tmp, feeds / "v" / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link = feeds / f".latest-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    os.symlink(Path("v") / version, link)
    os.replace(link, feeds / "latest")
    versions.append(IndexVersion(
        id=version, created_at=now, previous=previous, addresses=len(addresses),
        active=sum(1 for a in addresses if a.status == "active"), added=len(changes.added),
        removed=len(changes.removed), changed=len(changes.changed)))
    _atomic_write(feeds / INDEX, IndexFile(latest=version, updated_at=now, versions=versions,
                                           sources=sources).model_dump(mode="json"))
    return version, changes
