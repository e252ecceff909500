"""Reading a published feed back: its index and a release's addresses, each file into its model,
a file we cannot read named in one error. Light on purpose: screening a release (`check`) loads
this and the feed's models, never the ORM or the writers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from sanctions_feed.schemas.feed import AddressesFile, FeedAddress, IndexArchive, IndexHead, IndexPage, IndexVersion

from .at_rest import release_bytes, release_has
from .errors import FeedError

INDEX = "index.json"
MANIFEST = "manifest.json"
VERSION_ID = re.compile(r"\d{8}T\d{6}Z(?:-\d+)?")


def read_model(path: Path, model, what: str):
    """A published JSON file read back into its model (an older release's kept packed too); a file
    we cannot read is named in the error."""
    try:
        return parse_model(release_bytes(path), model, what, path)
    except OSError as exc:
        raise FeedError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None


def parse_model(data: bytes, model, what: str, where: object):
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        at = ".".join(map(str, first["loc"])) or "the document"
        raise FeedError(f"{where}: not a valid {what} ({exc.error_count()} problems; first at {at}: "
                        f"{first['msg']})") from None


def archived_versions(index, read: Callable[[str], bytes | None], where: object) -> list[IndexVersion]:
    """The releases that left index.json's `versions`, oldest first, from the yearly pages its
    `archives` lists (`read` gets a path relative to the feed root: a local feed or a remote one).
    A page that is missing, altered or not a page is an error naming it."""
    return [version for archive in index.archives for version in read_page(archive, read, where)]


def read_page(archive: IndexArchive, read: Callable[[str], bytes | None], where: object) -> list[IndexVersion]:
    """One yearly page's releases, checked against the sha256 index.json gives for it. A page
    that grew since that index.json was written (an update moved more releases to it while a
    reader held the older index, or a cache served one) still holds exactly the releases the
    index names for it, from `first` to `last`: that is read as the page, nothing else is."""
    data = read(archive.path)
    if data is None:
        raise FeedError(f"{where}/{archive.path}: missing (index.json lists it)")
    altered = FeedError(f"{where}/{archive.path}: its sha256 is not the one index.json gives (altered or torn)")
    same = hashlib.sha256(data).hexdigest() == archive.sha256
    try:
        versions = parse_model(data, IndexPage, "yearly index page", f"{where}/{archive.path}").versions
    except FeedError:
        if not same:
            raise altered from None
        raise
    if same:
        return versions
    named = [v for v in versions if archive.first <= v.id <= archive.last]
    if len(named) != archive.releases or not named or named[0].id != archive.first or named[-1].id != archive.last:
        raise altered
    return named


def with_history(index, read: Callable[[str], bytes | None], where: object):
    """The index with `versions` holding every release, the archived ones first."""
    if index is None or not index.archives:
        return index
    return index.model_copy(update={"versions": archived_versions(index, read, where) + list(index.versions)})


def local_reader(feeds: Path) -> Callable[[str], bytes | None]:
    def read(name: str) -> bytes | None:
        try:
            return (feeds / name).read_bytes()
        except OSError:
            return None
    return read


_READ: dict[tuple, tuple] = {}
"""The last index.json read per (path, model), by the file's identity: an update reads it in
several steps, and parses it once while it does not change. Callers never change what it holds."""


def read_index(feeds: Path, model=None, whole: bool = False):
    """index.json as `model` (default: the whole `IndexFile`), or None when there is none yet.
    `whole`: its `versions` hold every release, those of the yearly pages too (for the readers
    of the whole history: `verify --all`, `check --on` an old day, the site's charts)."""
    if whole:
        return with_history(read_index(feeds, model), local_reader(feeds), feeds)
    path = feeds / INDEX
    try:
        stat = path.stat()
    except OSError:
        return None
    if model is None:
        from sanctions_feed.schemas.release import IndexFile as model
    key = (str(path.resolve()), model)
    identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    cached = _READ.get(key)
    if cached is not None and cached[0] == identity:
        return cached[1]
    index = read_model(path, model, "feed index")
    if len(_READ) >= 16:  # a process that reads many feeds (the tests) keeps a few
        _READ.clear()
    _READ[key] = (identity, index)
    return index


def read_index_head(feeds: Path, whole: bool = False) -> IndexHead | None:
    """The latest release and the list of releases, without the sources' runs."""
    return read_index(feeds, IndexHead, whole)


def index_for_day(feeds: Path, on, model=IndexHead):
    """index.json for finding the release in force on a day (`on`; None: the latest): with its
    yearly pages when the day comes before its newest releases. A copy without the pages (a
    replica's cache) answers from its oldest release, whose records carry their dated history; a
    page that is there but altered is an error."""
    index = read_index(feeds, model)
    if on is None or index is None or not index.archives or (index.versions and index.versions[0].created_at.date() <= on):
        return index
    if not all((feeds / archive.path).is_file() for archive in index.archives):
        return index
    return with_history(index, local_reader(feeds), feeds)


def read_addresses(feeds: Path, version: str) -> list[FeedAddress]:
    if not VERSION_ID.fullmatch(version):  # never a path: nothing outside v/ is read
        raise FeedError(f"{version!r} is not a release id (like 20261124T120000Z, or latest)")
    path = feeds / "v" / version / "addresses.json"
    if not release_has(path):
        raise FeedError(f"release {version!r} not found in {feeds}")
    return read_model(path, AddressesFile, "release address file").addresses
