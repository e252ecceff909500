"""Reading a published feed back: its index and a release's addresses, each file into its model,
a file we cannot read named in one error. Light on purpose: screening a release (`check`) loads
this and the feed's models, never the ORM or the writers."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from sanctions_feed.schemas.feed import AddressesFile, FeedAddress, IndexHead

from .errors import FeedError

INDEX = "index.json"
MANIFEST = "manifest.json"
VERSION_ID = re.compile(r"\d{8}T\d{6}Z(?:-\d+)?")


def read_model(path: Path, model, what: str):
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


_READ: dict[tuple, tuple] = {}
"""The last index.json read per (path, model), by the file's identity: an update reads it in
several steps, and parses it once while it does not change. Callers never change what it holds."""


def read_index(feeds: Path, model=None):
    """index.json as `model` (default: the whole `IndexFile`), or None when there is none yet."""
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


def read_index_head(feeds: Path) -> IndexHead | None:
    """The latest release and the list of releases, without the sources' runs."""
    return read_index(feeds, IndexHead)


def read_addresses(feeds: Path, version: str) -> list[FeedAddress]:
    if not VERSION_ID.fullmatch(version):  # never a path: nothing outside v/ is read
        raise FeedError(f"{version!r} is not a release id (like 20261124T120000Z, or latest)")
    path = feeds / "v" / version / "addresses.json"
    if not path.is_file():
        raise FeedError(f"release {version!r} not found in {feeds}")
    return read_model(path, AddressesFile, "release address file").addresses
