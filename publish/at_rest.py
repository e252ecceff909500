"""Older releases kept compressed at rest, where the operator asks for it (`update --plain-releases
N`, which deploy/ sets). Every release is a full snapshot in every format, and past the newest few
they are seldom read: their text files are then kept as `<file>.gz` alone
(gzip -9, no name or time: the bytes of the release's own `.gz` sibling where it has one). Each
is still answered at its own URL: `serve` sends the `.gz` to a client that accepts gzip and the
unpacked bytes to the others (nginx: `gzip_static always; gunzip on;`), and every reader of a
release file goes through `release_bytes`. The manifest (and its signature) stays as written, and
still gives each file's own sha256: `verify` checks the unpacked bytes against it."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

PLAIN_RELEASES = 10
"""The window deploy/ sets (`update --plain-releases`; the default, 0, packs nothing): the newest
releases kept as written, so a puller catching up reads recent files as they are. At least 2: the
release before the latest is never touched by the next update."""
PACKED = ".gz"
PACKED_SUFFIXES = (".json", ".csv", ".txt", ".html")
"""Text: the spreadsheets and Parquet are compressed already."""
MIN_PACKED = 1024
"""Bytes below which a file stays as it is: gzip saves nothing worth the disk's block."""
MANIFEST_NAMES = ("manifest.json", "manifest.json.minisig")
KEPT_LAST = "addresses.json"
"""Packed last: a release whose addresses.json is plain still has files to pack."""
PER_RUN = 50
"""Releases packed by one update at most: a feed of long history packs its backlog over several runs."""


def packed(path: Path) -> Path:
    return path.with_name(path.name + PACKED)


def release_bytes(path: Path) -> bytes:
    """A release file's bytes, from the file or its `.gz` at rest. FileNotFoundError when neither
    is there (the file is read first: a release packed meanwhile still has its `.gz`)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        try:
            data = packed(path).read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(2, "No such file or directory", str(path)) from None
        return gzip.decompress(data)


def open_release_text(path: Path):
    """A release text file opened for reading, from the file or its `.gz` at rest."""
    try:
        return path.open(encoding="utf-8")
    except FileNotFoundError:
        if not packed(path).is_file():
            raise
        return gzip.open(packed(path), "rt", encoding="utf-8")


def release_has(path: Path) -> bool:
    return path.is_file() or (path.suffix in PACKED_SUFFIXES and packed(path).is_file())


def release_names(folder: Path) -> list[str]:
    """The files a release publishes, by name as its manifest lists them (whether kept plain or
    packed), then the manifest and its signature: a copy that holds the manifest is whole."""
    files = _listed(folder)
    if files is not None:
        listed = sorted(files)
    else:  # no readable manifest: the files as they are
        listed = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
                        and p.name not in MANIFEST_NAMES)
    return listed + [n for n in reversed(MANIFEST_NAMES) if (folder / n).is_file()]


def packable(name: str, size: int) -> bool:
    """addresses.json always: it marks a packed release."""
    return name.endswith(PACKED_SUFFIXES) and (size >= MIN_PACKED or name == KEPT_LAST)


def pack_older(feeds: Path, keep: int = PLAIN_RELEASES, per_run: int = PER_RUN) -> list[str]:
    """Pack the releases older than the newest `keep` (0: none), oldest first, up to `per_run` of
    them; the ids packed. Looks back only as far as the first release packed before."""
    from .reading import VERSION_ID  # reading reads through this module

    if keep <= 0:
        return []
    try:
        ids = sorted(name for name in os.listdir(feeds / "v") if VERSION_ID.fullmatch(name))
    except FileNotFoundError:
        return []
    waiting = []
    for position in range(len(ids) - keep - 1, -1, -1):
        if not (feeds / "v" / ids[position] / KEPT_LAST).is_file():
            break
        waiting.append(position)
    done = []
    for position in sorted(waiting)[:per_run]:
        pack_release(feeds / "v" / ids[position], feeds / "v" / ids[position - 1] if position else None)
        done.append(ids[position])
    return done


def pack_release(folder: Path, before: Path | None) -> int:
    """Keep a release's text files as `.gz` alone; the bytes freed. A file the release before
    holds with the same sha256, packed, is linked to that `.gz` (a release costs the disk of what
    changed). A file goes only once its `.gz` is on disk and holds its very bytes: a linked `.gz`
    that does not is made again from the file; a published sibling that does not is left alone,
    and so is its file.
    addresses.json goes last."""
    files = _listed(folder) or {}
    earlier = (_listed(before) or {}) if before is not None else {}
    freed = 0
    names = sorted((n for n, e in files.items() if packable(n, e["bytes"]) and (folder / n).is_file()),
                   key=lambda n: n == KEPT_LAST)
    for name in names:
        plain, target = folder / name, packed(folder / name)
        digest = _sha256(plain.open("rb"))
        if name + PACKED in files and not _holds(target, digest):
            continue  # a published sibling that is not its file's copy: both stay, for verify to name
        if not (target.is_file() and _holds(target, digest)):
            shared = before / (name + PACKED) if before is not None else None
            partial = target.with_name(f".{target.name}.part")
            partial.unlink(missing_ok=True)
            if not (shared is not None and earlier.get(name, {}).get("sha256") == digest and shared.is_file()
                    and _holds(shared, digest) and _linked(shared, partial)):
                with plain.open("rb") as source, partial.open("wb") as raw, \
                        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        out.write(block)
                fsync(partial)
                if not _holds(partial, digest):  # never: but a file is only ever removed for its copy
                    partial.unlink()
                    continue
            os.replace(partial, target)
            fsync(target.parent)
        freed += plain.stat().st_size
        plain.unlink()
    fsync(folder)
    return freed


def _sha256(source) -> str:
    digest = hashlib.sha256()
    with source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _holds(target: Path, digest: str) -> bool:
    """Whether a `.gz` unpacks to the bytes of this sha256."""
    try:
        return _sha256(gzip.open(target, "rb")) == digest
    except (OSError, EOFError):
        return False


def _linked(shared: Path, partial: Path) -> bool:
    """A hard link to the release before's `.gz`; False where the file system makes none."""
    try:
        os.link(shared, partial)
        return True
    except OSError:
        return False


def _listed(folder: Path) -> dict[str, dict] | None:
    """The manifest's files (name: sha256, bytes, rows), or None without a readable manifest."""
    try:
        files = json.loads((folder / MANIFEST_NAMES[0]).read_bytes())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files if isinstance(files, dict) else None


def fsync(path: Path) -> None:
    """Flush a file or directory to disk: what becomes visible must survive a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
