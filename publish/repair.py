"""Repair a feed directory: make index.json and `latest` agree with the releases in `v/` and the
store, after a killed run or an operator's change (a deleted index, an older one put back).

`v/` and the manifests are the truth; index.json and `latest` are derived from them. A release
once announced is never removed: only one that is provably a killed run's, never announced."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from sanctions_feed.schemas.feed import ChangesFile
from sanctions_feed.schemas.release import IndexFile, Manifest

from .errors import FeedError
from .index_pages import PAGES, bounded
from .release import (
    INDEX,
    VERSION_ID,
    Prepared,
    _atomic_write_bytes,
    announce,
    atomic_write,
    index_entry,
    point_latest,
    read_addresses,
    read_index,
    read_manifest,
    read_model,
)
from .settings import UNSIGNED, Publishing
from .site import SITE

log = logging.getLogger(__name__)


def repair(feeds: Path, store_releases: set[str], committed: str | None,
           publishing: Publishing = UNSIGNED) -> list[str]:
    """Make the feed's pointers agree with its releases and the store, after a killed run or an
    operator's change to index.json. Runs under the update lock. `store_releases`: every release
    the store recorded; `committed`: the one it last committed. Each action is logged as it is
    done (a run that fails later still shows it) and returned.

    `v/` and the manifests are the truth; index.json and `latest` are derived from them:
    - a release announced (or committed) that index.json does not list is added to it again, and
      a missing or unreadable index.json is rebuilt from the release manifests;
    - a release directory is removed only when it is provably a killed run's, never announced:
      unlisted, not the store's, named by no release as `previous`, newer than the release the
      store committed (which index.json names as latest), with no page on the site and no
      `latest` link to it. Anything else unlisted is kept and named;
    - `latest` points at index.json's latest;
    - temporary files and directories of killed runs are removed.
    """
    done: list[str] = []

    def say(line: str) -> None:
        log.warning("feed repaired: %s", line)
        done.append(line)

    if not feeds.is_dir():
        return done
    for leftover in (sorted(feeds.glob(".tmp-*")) + sorted(feeds.glob(".latest-*")) + sorted(feeds.glob(".*.tmp"))
                     + sorted((feeds / PAGES).glob(".*.tmp"))):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        say(f"removed {leftover.name} (left by a killed run)")
    dirs, paged = _release_dirs(feeds), set()
    try:
        index = read_index(feeds)
        if index is not None and index.archives:
            paged = {d for d in dirs if d <= index.archives[-1].last}
            if len(paged) != sum(a.releases for a in index.archives):  # not the pages' releases: read them
                index, paged = read_index(feeds, whole=True), set()
    except FeedError as exc:
        index = None
        say(f"{INDEX} cannot be read ({exc}): rebuilding it from the release manifests")
    # The usual case: the directories up to the pages' newest are as many as the pages list, so
    # they are theirs, and no page is read.
    listed = {v.id for v in index.versions} | paged if index else set()
    # The usual case, every directory listed: no manifest needs reading (history grows).
    releases = _release_manifests(feeds) if index is None or dirs - listed else {}
    named = {m.previous for m in releases.values() if m is not None and m.previous}
    pointed = _latest_target(feeds)
    adopted: list[str] = []
    for name, manifest in releases.items():
        if name in listed:
            continue
        announced = (name in store_releases or name in named or name == pointed
                     or (feeds / SITE / "releases" / f"{name}.html").exists())
        if manifest is None:
            say(f"kept {name}: it has no readable manifest, so it is not a complete release; not listed")
        elif announced or committed is None:
            adopted.append(name)
        elif index is not None and index.latest == committed and name > committed:
            shutil.rmtree(feeds / "v" / name)
            say(f"removed {name} (written by a killed run, never announced)")
        else:
            say(f"kept {name}: neither index.json nor the store lists it; left for the operator")
    if index is None and not releases:
        return done
    if index is None or adopted:
        _reindex(feeds, index if index is None or not paged else read_index(feeds, whole=True), adopted, releases,
                 publishing, say)
        index = read_index(feeds)
    latest = index.latest if index else None
    if latest is not None and _latest_target(feeds) != latest:
        point_latest(feeds, latest)
        say(f"pointed latest at {latest}")
    return done


def _release_dirs(feeds: Path) -> set[str]:
    folder = feeds / "v"
    return {p.name for p in folder.iterdir() if VERSION_ID.fullmatch(p.name)} if folder.is_dir() else set()


def _release_manifests(feeds: Path) -> dict[str, Manifest | None]:
    """Every release directory under v/ with its manifest (None: missing or unreadable), by id."""
    found: dict[str, Manifest | None] = {}
    for name in sorted(_release_dirs(feeds)):
        try:
            found[name] = read_manifest(feeds, name)
        except FeedError:
            found[name] = None
    return found


def _latest_target(feeds: Path) -> str | None:
    link = feeds / "latest"
    return Path(os.readlink(link)).name if link.is_symlink() else None


def _reindex(feeds: Path, index: IndexFile | None, adopted: list[str], releases: dict[str, Manifest | None],
             publishing: Publishing, say) -> None:
    """index.json again from the releases it lists and those adopted; the newest of them announced."""
    entries = {v.id: v for v in index.versions} if index else {}
    for name in adopted:
        manifest = releases[name]
        assert manifest is not None
        entries[name] = prepared_from(feeds, name, manifest, publishing).entry
    ordered = [entries[name] for name in sorted(entries)]
    if not ordered:
        return
    newest = ordered[-1].id
    latest = index.latest if index else None
    if index is None:
        say(f"{INDEX} was missing or unreadable: rebuilt from {len(ordered)} release manifests")
    else:
        say(f"{INDEX} did not list {', '.join(adopted)}: added from their manifests")
    newest_manifest = releases.get(newest)
    sources = index.sources if index else (newest_manifest.sources if newest_manifest else [])
    announcing = newest != latest and newest_manifest is not None
    head = ordered[:-1] if announcing else ordered  # the newest is announced below, last
    # Every release is in `head`: the yearly pages are written anew from them.
    archives, head = bounded(feeds, [], head, _atomic_write_bytes)
    atomic_write(feeds / INDEX, IndexFile(latest=head[-1].id if head else None, updated_at=ordered[-1].created_at,
                                           versions=head, archives=archives, sources=sources).model_dump(mode="json"))
    if announcing:
        assert newest_manifest is not None
        announce(feeds, prepared_from(feeds, newest, newest_manifest, publishing))
        say(f"finished announcing {newest}")


def prepared_from(feeds: Path, version: str, manifest: Manifest, publishing: Publishing) -> Prepared:
    addresses = read_addresses(feeds, version)
    changes = read_model(feeds / "v" / version / "changes.json", ChangesFile, "release changes")
    entry = index_entry(version, manifest.created_at, manifest.previous, addresses, changes)
    return Prepared(version, manifest.previous, changes, entry, manifest.sources, manifest.created_at,
                    publishing=publishing, addresses=addresses)
