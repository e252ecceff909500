"""Write a release completely or not at all: temp dir, hashes, manifest, one rename, then
`latest` and `index.json` are replaced last. The previous release is never touched."""

from __future__ import annotations

import filecmp
import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sanctions_feed.schemas.feed import (
    ChangesFile,
    FeedAddress,
    FileEntry,
    IndexVersion,
    SourceCounts,
)
from sanctions_feed.schemas.release import IndexFile, Manifest
from sanctions_feed.schemas.status import SourceStatus

from .at_rest import fsync as _fsync
from .at_rest import pack_older
from .atom import ChangesAtom
from .catalog import CATALOG, DELTA_INDEX
from .catalog import render as render_catalog
from .diff import diff, is_empty
from .errors import FeedError
from .ftm import FtmExport
from .index_pages import bounded
from .lists import ChainLists, OfacCodeLists, SourceLists
from .parquet import AddressesParquet
from .reading import INDEX, MANIFEST, VERSION_ID, read_addresses, read_index, read_model  # noqa: F401 - read from here too
from .schema_files import SchemaFiles
from .settings import UNSIGNED, Publishing
from .signing import PUBLIC_KEY_FILE, SIGNATURE_SUFFIX
from .site import Site
from .spreadsheets import AddressesXlsx, ChangesXlsx
from .writers import FILE_WRITERS, GzipSiblings, Records, RejectedCsv, json_bytes

log = logging.getLogger(__name__)




ID_FORMAT = "%Y%m%dT%H%M%SZ"


def version_time(version: str) -> datetime:
    """The time a version id names (ids of older releases may carry a `-N` suffix)."""
    return datetime.strptime(version.split("-", 1)[0], ID_FORMAT).replace(tzinfo=timezone.utc)


def release_day(version: str) -> date:
    """The day of a release id (`20261124T120000Z`, or with a `.N` suffix)."""
    return date(int(version[:4]), int(version[4:6]), int(version[6:8]))


def stamp_release(addresses: list[FeedAddress], version: str) -> None:
    """Name the release being written in the events it is the first to show (the store stamps
    them when it is published)."""
    for address in addresses:
        for listing in address.listings:
            for event in listing.events:
                if event.release is None:
                    event.release = version


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


def atomic_write(path: Path, payload) -> None:
    _atomic_write_bytes(path, json_bytes(payload))


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    _fsync(tmp)
    os.replace(tmp, path)
    _fsync(path.parent)


def _file_entry(path: Path, rows: int) -> FileEntry:
    data = path.read_bytes()
    return FileEntry(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), rows=rows)


def share_unchanged(directory: Path, files: dict[str, FileEntry], previous_dir: Path) -> int:
    """Files byte-identical to the previous release's (an unchanged source's lists and entities,
    the schemas) become hard links to them: a release costs the disk of what changed. Releases
    never change once written, so the two names never differ. Where links cannot be made (another
    file system), each release keeps its own copy. Returns the bytes saved."""
    try:
        before = read_manifest(previous_dir.parent.parent, previous_dir.name).files
    except FeedError:
        return 0
    saved = 0
    for name, entry in files.items():
        kept = before.get(name)
        if kept is None or (kept.sha256, kept.bytes) != (entry.sha256, entry.bytes):
            continue
        target, partial = directory / name, directory / f"{name}.link"
        try:
            if not filecmp.cmp(previous_dir / name, target, shallow=False):
                continue  # the previous release's file is not what its manifest says: no sharing
            os.link(previous_dir / name, partial)
            os.replace(partial, target)
            saved += entry.bytes
        except OSError:
            partial.unlink(missing_ok=True)
    return saved


def read_manifest(feeds: Path, version: str) -> Manifest:
    return read_model(feeds / "v" / version / MANIFEST, Manifest, "release manifest")


def _same_rejected(manifest: Manifest, rejected) -> bool:
    """The rejected records are part of a release's content: a change to them alone is a release."""
    entry = manifest.files.get(RejectedCsv.FILE_NAME)
    text, _ = RejectedCsv.render(rejected)
    return entry is not None and entry.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def refresh_index(feeds: Path, sources: list[SourceStatus], now: datetime) -> None:
    """Record in index.json how each source's last attempt went, with no new release."""
    feeds.mkdir(parents=True, exist_ok=True)
    index = read_index(feeds)
    atomic_write(feeds / INDEX, IndexFile(latest=index.latest if index else None, updated_at=now,
                                           versions=list(index.versions) if index else [],
                                           archives=list(index.archives) if index else [],
                                           sources=sources).model_dump(mode="json"))


@dataclass
class Prepared:
    """A release written in full under v/<version>, not yet pointed to by `latest` or index.json."""

    version: str
    previous: str | None
    changes: ChangesFile
    entry: IndexVersion
    sources: list[SourceStatus]
    created_at: datetime
    renewal: bool = False
    """Nothing changed: the release only renews the latest one before it expires."""
    publishing: Publishing = UNSIGNED
    manifest: str = ""
    """manifest.json's text, as written."""
    signature: str | None = None
    addresses: list[FeedAddress] | None = None
    """The release's records, for the site (None: read back from the release)."""


def publish(feeds: Path, addresses: list[FeedAddress], rejected, sources: list[SourceStatus],
            now: datetime, publishing: Publishing = UNSIGNED) -> tuple[str | None, ChangesFile | None]:
    """Prepare and announce in one step (for callers with no store to commit in between)."""
    prepared = prepare(feeds, addresses, rejected, sources, now, publishing)
    if prepared is None:
        return None, None
    announce(feeds, prepared)
    return prepared.version, prepared.changes


def prepare(feeds: Path, addresses: list[FeedAddress], rejected, sources: list[SourceStatus],
            now: datetime, publishing: Publishing = UNSIGNED) -> Prepared | None:
    """Write a new release if the records changed (or the latest release is due for renewal),
    complete, signed and flushed, but not yet visible (None: no change, and index.json's sources
    are refreshed). The caller commits its store, then calls `announce`: a kill in between is
    finished or undone by `repair`."""
    feeds.mkdir(parents=True, exist_ok=True)
    index = read_index(feeds)
    previous = index.latest if index else None
    old = read_addresses(feeds, previous) if previous else []
    version = _version_id(now, feeds, previous)
    stamp_release(addresses, version)
    changes = diff(previous, old, version, addresses)
    renewal = False
    if previous is not None and is_empty(changes):
        latest = read_manifest(feeds, previous)
        if _same_rejected(latest, rejected):
            if not publishing.renewal_due(latest, now):
                refresh_index(feeds, sources, now)
                return None
            renewal = True
    tmp = feeds / f".tmp-{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        files = write_files(tmp, version, addresses, changes, rejected, sources, old,
                            feeds / "v" / previous if previous else None)
        if previous is not None:
            share_unchanged(tmp, files, feeds / "v" / previous)
        key = publishing.key
        manifest = Manifest(version=version, previous=previous, created_at=now, expires_at=now + publishing.validity,
                            signed_by=key.public.key_id_hex if key else None, sources=sources, files=files)
        manifest_bytes = json_bytes(manifest.model_dump(mode="json"))
        (tmp / MANIFEST).write_bytes(manifest_bytes)
        signature = key.sign(manifest_bytes, trusted_comment(manifest)) if key is not None else None
        if signature is not None:
            (tmp / (MANIFEST + SIGNATURE_SUFFIX)).write_text(signature, encoding="utf-8")
        for path in sorted(tmp.rglob("*"), reverse=True):  # files, then their directories
            _fsync(path)
        _fsync(tmp)
        (feeds / "v").mkdir(exist_ok=True)
        os.rename(tmp, feeds / "v" / version)
        _fsync(feeds / "v")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    entry = index_entry(version, now, previous, addresses, changes)
    return Prepared(version, previous, changes, entry, sources, now, renewal, publishing,
                    manifest_bytes.decode("utf-8"), signature, addresses)


def index_entry(version: str, created_at: datetime, previous: str | None, addresses: list[FeedAddress],
                changes: ChangesFile) -> IndexVersion:
    """A release's line in index.json: its counts, per source and per chain."""
    by_source: dict[str, dict[str, int]] = {}

    # A change belongs to the sources whose listing changed (a release written before 1.4 did
    # not say which: every source that names the address, as then).
    changed_by: dict[str, set[str]] | None = None
    if changes.listings is not None:
        changed_by = {}
        for change in changes.listings:
            changed_by.setdefault(change.id, set()).add(change.source)

    def count(address: FeedAddress, what: str, active_only: bool = False) -> None:
        sources = {listing.source for listing in address.listings if not active_only or listing.status == "active"}
        if what != "active" and changed_by is not None:
            sources = changed_by.get(address.id, set())
        for source in sources:
            counts = by_source.setdefault(source, dict.fromkeys(("active", "added", "removed", "changed"), 0))
            counts[what] += 1

    by_chain: dict[str, int] = {}
    for a in addresses:
        if a.status == "active":
            count(a, "active", active_only=True)
            chain = "account" if a.kind == "exchange_account" else a.chain
            by_chain[chain] = by_chain.get(chain, 0) + 1
    for what, changed in (("added", changes.added), ("removed", changes.removed),
                          ("changed", [c.after for c in changes.changed])):
        for a in changed:
            count(a, what)
    return IndexVersion(
        id=version, created_at=created_at, previous=previous, addresses=len(addresses),
        active=sum(1 for a in addresses if a.status == "active"), added=len(changes.added),
        removed=len(changes.removed), changed=len(changes.changed),
        by_source={name: SourceCounts(**counts) for name, counts in sorted(by_source.items())},
        active_by_chain=dict(sorted(by_chain.items())))


def write_files(directory: Path, version: str, addresses: list[FeedAddress], changes: ChangesFile, rejected,
                sources: list[SourceStatus], previous: list[FeedAddress],
                previous_dir: Path | None = None) -> dict[str, FileEntry]:
    """Every file of a release but its manifest, each with its manifest entry: one writer per format.
    `previous`: the previous release's records (and `previous_dir` its directory, if there is one)."""
    files = {}
    records = Records(addresses)
    for writer in (*FILE_WRITERS, AddressesXlsx(), ChangesXlsx(), AddressesParquet()):
        rows = writer.write(directory, version=version, addresses=addresses, changes=changes,
                            rejected=rejected, records=records, sources=sources, created=version_time(version))
        files[writer.FILE_NAME] = _file_entry(directory / writer.FILE_NAME, rows)
    published = _published_names(previous_dir)
    counts = (ChainLists().write_all(directory, addresses, published)
              | SourceLists().write_all(directory, addresses, published)
              | OfacCodeLists().write_all(directory, addresses, published))
    for name, rows in (counts | SchemaFiles().write_all(directory)
                       | FtmExport().write_all(directory, addresses, previous, previous_dir)).items():
        files[name] = _file_entry(directory / name, rows)
    for name, rows in GzipSiblings().write_all(directory, files).items():
        files[name] = _file_entry(directory / name, rows)
    return files


def _published_names(release_dir: Path | None) -> list[str]:
    """The files a release published (none when there is no readable one)."""
    if release_dir is None:
        return []
    try:
        return list(read_manifest(release_dir.parent.parent, release_dir.name).files)
    except FeedError:
        return []


def trusted_comment(manifest: Manifest) -> str:
    """What the signature's trusted comment says (minisign prints it): made from the manifest
    alone, so that a rebuilt release is signed byte for byte as the original."""
    expires = manifest.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") if manifest.expires_at else "never"
    return f"sanctions-feed release {manifest.version} previous {manifest.previous or 'none'} expires {expires}"


def announce(feeds: Path, prepared: Prepared) -> None:
    """Make a prepared release the latest: the public key, the `latest` link, the Atom feed and
    the site, then index.json, each replaced whole."""
    key = prepared.publishing.key
    if key is not None and _read_text(feeds / PUBLIC_KEY_FILE) != key.public.text():
        _atomic_write_bytes(feeds / PUBLIC_KEY_FILE, key.public.text().encode())
    point_latest(feeds, prepared.version)
    index = read_index(feeds)
    versions = [v for v in (index.versions if index else []) if v.id != prepared.version] + [prepared.entry]
    archives, versions = bounded(feeds, list(index.archives) if index else [], versions, _atomic_write_bytes)
    updated = IndexFile(latest=prepared.version, updated_at=prepared.created_at, versions=versions,
                        archives=archives, sources=prepared.sources)
    _atomic_write_bytes(feeds / ChangesAtom.FILE_NAME, ChangesAtom.render(updated, prepared.publishing))
    try:  # derived from the release's files, like the site: the next release writes it again
        catalog, deltas = render_catalog(feeds, updated, read_manifest(feeds, prepared.version), prepared.publishing)
        _atomic_write_bytes(feeds / CATALOG, catalog)
        _atomic_write_bytes(feeds / DELTA_INDEX, deltas)
    except (OSError, ValueError, FeedError) as exc:
        log.error("the catalog was not written for release %s: %s: %s", prepared.version, type(exc).__name__, exc)
    try:
        Site(feeds, updated, prepared.changes, prepared.addresses).write()
    except (OSError, ValueError) as exc:  # the release stands; the next one rebuilds the site
        log.error("the site was not rebuilt for release %s: %s: %s", prepared.version, type(exc).__name__, exc)
    atomic_write(feeds / INDEX, updated.model_dump(mode="json"))
    try:  # after index.json: the releases it packs are long superseded; the next run finishes a failed one
        pack_older(feeds, prepared.publishing.plain_releases)
    except OSError as exc:
        log.error("older releases were not packed after release %s: %s", prepared.version, exc)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def point_latest(feeds: Path, version: str) -> None:
    link = feeds / f".latest-{os.getpid()}"
    if link.is_symlink():
        link.unlink()
    os.symlink(Path("v") / version, link)
    os.replace(link, feeds / "latest")
    _fsync(feeds)
