"""Rebuild a published release, byte for byte, from the raw archive and the store's record of
releases: the source runs behind it are replayed into a scratch store (each URL answered with the
bytes the run got then), the store's state on the release's day is built, and the release's files
are written again beside its manifest as published. Every file is then checked against it."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from sanctions_feed.errors import SanctionsFeedError
from sanctions_feed.spiders.framework.download import archived_path


class RebuildError(SanctionsFeedError):
    """A release that cannot be rebuilt: not recorded, or an input missing from the archive."""


@dataclass
class Rebuilt:
    version: str
    folder: Path
    files: int = 0
    problems: list[str] = field(default_factory=list)


def _recorded(engine, version: str):
    from sanctions_feed.schemas.release import Manifest
    from sanctions_feed.schemas.tables import ReleaseRow

    with Session(engine) as session:
        rows = sorted(session.exec(select(ReleaseRow)), key=lambda row: row.version)
    chain = [row for row in rows if row.version <= version]
    if not chain or chain[-1].version != version:
        known = f"recorded: {rows[0].version} to {rows[-1].version}" if rows else "none recorded"
        raise RebuildError(f"release {version} is not recorded in the store ({known}); releases made before "
                           "sanctions-feed 0.2 cannot be rebuilt")
    return chain, [Manifest.model_validate_json(row.manifest) for row in chain]


def _source_runs(manifests, archive: Path) -> dict[datetime, dict]:
    """When each source's data, as the releases show it, was stored, with its raw inputs."""
    runs: dict[datetime, dict] = {}
    for manifest in manifests:
        for source in manifest.sources:
            if source.last_changed is None or not source.raw_parts:
                continue
            for part in source.raw_parts:
                if archived_path(archive, part["sha256"]) is None:
                    raise RebuildError(f"{source.name}: the input {part.get('url') or part.get('file')} (sha256 "
                                       f"{part['sha256']}) is not in the raw archive {archive}")
            runs.setdefault(source.last_changed, {})[source.name] = source
    return runs


def _state(engine, day):
    """The addresses and rejected records as a release on `day` showed them (what `update` does)."""
    from sanctions_feed.pipeline.store import record_expiries, refresh_verdicts
    from sanctions_feed.publish.build import build_addresses, load_rejected

    with Session(engine) as session:
        refresh_verdicts(session, day)
        record_expiries(session, day)
        state = build_addresses(session, day), load_rejected(session)
        session.commit()
    return state


def _replay(scratch: Path, when: datetime, sources: dict, archive: Path) -> None:
    from sanctions_feed.pipeline.update import UpdateRequest, run_update

    answers = {part["url"]: str(plain_input(archive, part["sha256"], scratch)) for source in sources.values()
               for part in source.raw_parts if "url" in part}
    locations = {name: source.url for name, source in sources.items() if source.url}
    for name, source in sources.items():
        if source.raw_parts and all("file" in part for part in source.raw_parts):
            locations[name] = _local_inputs(scratch / "inputs" / f"{when:%Y%m%dT%H%M%S}" / name, source.raw_parts,
                                            archive, answers, scratch)
    mapping = scratch / f"replay-{when:%Y%m%dT%H%M%S}.json"
    mapping.write_text(json.dumps(answers), encoding="utf-8")
    result = run_update(UpdateRequest(feeds=scratch / "feeds", db_url=f"sqlite:///{scratch / 'store.db'}", now=when,
                                      only=tuple(sorted(sources)), locations=locations, force=True, reparse=True,
                                      replay=mapping))
    if result.failures:
        raise RebuildError(f"replaying the run of {when:%Y-%m-%dT%H:%M:%SZ}: " + "; ".join(result.failures.values()))


def plain_input(archive: Path, sha256: str, scratch: Path) -> Path:
    """An archived input's bytes as a file: the archive's own when kept plain, else unpacked once
    into the scratch directory and checked against its sha256."""
    kept = archived_path(archive, sha256)
    if kept is None or kept.suffix != ".gz":
        return kept or archive / sha256
    plain = scratch / "raw" / sha256
    if not plain.is_file():
        plain.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with gzip.open(kept, "rb") as source, plain.open("wb") as out:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            plain.unlink()
            raise RebuildError(f"the raw archive's {kept.name} does not hold the input it is named for")
    return plain


def _local_inputs(directory: Path, parts: list[dict], archive: Path, answers: dict[str, str], scratch: Path) -> str:
    """A run's local inputs (a replayed, sample or bundled file, published by file name and
    sha256 only) named again under their file names, each answered from the archive: the file,
    or the directory of several (an API replay directory)."""
    directory.mkdir(parents=True)
    for part in parts:
        path, kept = directory / Path(part["file"]).name, plain_input(archive, part["sha256"], scratch)
        try:  # a link, not a symlink: a reader that resolves links must still see the file's own name
            os.link(kept, path)
        except OSError:
            shutil.copyfile(kept, path)
        answers[path.as_uri()] = str(kept)
    return str(directory / Path(parts[0]["file"]).name if len(parts) == 1 else directory)


def rebuild_release(engine, version: str, archive: Path, out: Path, feeds: Path | None = None) -> Rebuilt:
    from sanctions_feed.pipeline.store import open_store
    from sanctions_feed.publish.at_rest import PACKED, release_bytes, release_names
    from sanctions_feed.publish.diff import diff
    from sanctions_feed.publish.release import MANIFEST, write_files
    from sanctions_feed.publish.signing import SIGNATURE_SUFFIX

    chain, manifests = _recorded(engine, version)
    runs = _source_runs(manifests, archive)
    if out.exists() and any(out.iterdir()):
        raise RebuildError(f"{out}: not empty; rebuild into a new directory (--out)")
    scratch = Path(tempfile.mkdtemp(prefix="sanctions-feed-rebuild-"))
    try:
        scratch_store = open_store(f"sqlite:///{scratch / 'store.db'}")
        states: dict[str, tuple] = {}
        pending = sorted(runs)
        wanted = {version, manifests[-1].previous}
        for manifest in manifests:
            while pending and pending[0] <= manifest.created_at:
                when = pending.pop(0)
                _replay(scratch, when, runs[when], archive)
            if manifest.version in wanted:
                states[manifest.version] = _state(scratch_store, manifest.created_at.date())
        scratch_store.dispose()
        target = manifests[-1]
        addresses, rejected = states[version]
        before = states[target.previous][0] if target.previous else []
        out.mkdir(parents=True, exist_ok=True)
        previous_dir = feeds / "v" / target.previous if feeds is not None and target.previous else None
        files = write_files(out, version, addresses, diff(target.previous, before, version, addresses), rejected,
                            target.sources, before, previous_dir)
        (out / MANIFEST).write_text(chain[-1].manifest, encoding="utf-8")
        if chain[-1].signature:
            (out / (MANIFEST + SIGNATURE_SUFFIX)).write_text(chain[-1].signature, encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rebuilt = Rebuilt(version, out, len(files))
    for name, entry in sorted(target.files.items()):
        made = files.get(name)
        if made is None:
            rebuilt.problems.append(f"{name}: not rebuilt")
        elif made.sha256 != entry.sha256:
            rebuilt.problems.append(f"{name}: rebuilt with sha256 {made.sha256[:16]}…, published {entry.sha256[:16]}…")
    rebuilt.problems += [f"{name}: rebuilt, but not in the published manifest" for name in sorted(set(files) - set(target.files))]
    published = feeds / "v" / version if feeds is not None else None
    if published is not None and published.is_dir():
        names = release_names(published)  # as published: an older release's files kept packed are unpacked
        for path in sorted(p for p in published.rglob("*") if p.is_file()):
            name = path.relative_to(published).as_posix()
            if name not in names and not (name.endswith(PACKED) and name.removesuffix(PACKED) in names):
                names.append(name)
        for name in sorted(names):
            copy = out / name
            if not copy.is_file() or copy.read_bytes() != release_bytes(published / name):
                rebuilt.problems.append(f"{name}: differs from the published file in {published}")
    return rebuilt
