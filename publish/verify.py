"""Check a release as a puller would, from a feed directory or over HTTP (`serve`, or the
object-storage copy): the manifest's signature, every file's hash, size and row count, the chain
of `previous`, and the expiry. Every problem is named with its file and reason."""

from __future__ import annotations

import gzip
import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from sanctions_feed.schemas.release import IndexFile, Manifest

from .at_rest import PACKED, release_bytes, release_has
from .errors import FeedError
from .reading import with_history
from .release import INDEX, MANIFEST, VERSION_ID, trusted_comment
from .signing import PUBLIC_KEY_FILE, SIGNATURE_SUFFIX, PublicKey, SignatureError, parse_public_key
from .writers import count_rows

USER_AGENT = "sanctions-feed-verify/0.1"
TIMEOUT = 60.0


class Reader:
    """The feed's files by path from its root: a directory, or an http(s) URL."""

    SHARED = (INDEX, PUBLIC_KEY_FILE)

    def __init__(self, where: str):
        self.where = where
        self._kept: dict[str, bytes | None] = {}
        """index.json, the key and manifests: `--all` reads each for two releases."""
        self._history: tuple[list, IndexFile] | None = None
        self.remote = urlsplit(where).scheme in ("http", "https")
        if not self.remote and not Path(where).is_dir():
            raise FeedError(f"{where}: no feed directory or http(s) URL")

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it is not there; FeedError when it cannot be read."""
        if path in self.SHARED or path.endswith("/" + MANIFEST):
            if path not in self._kept:
                self._kept[path] = self._read(path)
            return self._kept[path]
        return self._read(path)

    def history(self, index: IndexFile) -> IndexFile:
        """The index with every release, its yearly pages read once for all the releases checked."""
        if self._history is None or self._history[0] != index.archives:
            self._history = (index.archives, with_history(index, self.read, self.where.rstrip("/")))
        return self._history[1]

    def _read(self, path: str) -> bytes | None:
        if not self.remote:
            file = Path(self.where) / path
            try:
                return release_bytes(file) if release_has(file) else None
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise FeedError(f"{file}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
        url = self.where.rstrip("/") + "/" + path
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) only, checked above
                return answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            if exc.code in (401, 403):  # a private bucket, or a missing key to a reader without list rights
                raise FeedError(f"{url}: access refused (HTTP {exc.code}): is the bucket or feed public, "
                                "and is the URL right?") from None
            raise FeedError(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise FeedError(f"{url}: cannot fetch ({getattr(exc, 'reason', exc)})") from None


@dataclass
class VerifyReport:
    version: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    signed: bool = True
    """False: an unsigned release let through by `unsigned` (its files checked, not their origin)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def _model(data: bytes | None, model, name: str, problems: list[str]):
    if data is None:
        problems.append(f"{name}: missing")
        return None
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        problems.append(f"{name}: not a valid {model.__name__} ({exc.errors()[0]['msg']})")
        return None


def listed_versions(reader: Reader) -> list[str]:
    problems: list[str] = []
    index = _model(reader.read(INDEX), IndexFile, INDEX, problems)
    if index is None:
        raise FeedError(problems[0])
    return sorted(v.id for v in reader.history(index).versions)


def public_key_from(value: str | None, reader: Reader, verdict: VerifyReport) -> PublicKey | None:
    """--public-key: a file or the key's base64 line; without it, the feed's own minisign.pub
    (which proves integrity, not origin: pin the key for that)."""
    if value:
        text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
        try:
            return parse_public_key(text)
        except SignatureError as exc:
            raise FeedError(f"--public-key: {exc}") from None
    published = reader.read(PUBLIC_KEY_FILE)
    if published is None:
        return None
    verdict.notes.append(f"key from the feed's own {PUBLIC_KEY_FILE}: pin it with --public-key to prove the publisher")
    try:
        return parse_public_key(published.decode("utf-8", "replace"))
    except SignatureError as exc:
        verdict.problems.append(f"{PUBLIC_KEY_FILE}: {exc}")
        return None


def verify(reader: Reader, version: str | None, public_key: str | None, at: datetime,
           after: str | None = None, unsigned: bool = False) -> VerifyReport:
    """Every check on one release (default: the latest); never raises for what it finds.
    `unsigned`: a release without a signature is no failure (a local or demo feed); a signature
    that is there is checked all the same."""
    problems: list[str] = []
    index = _model(reader.read(INDEX), IndexFile, INDEX, problems)
    if index is None:
        return VerifyReport(version or "latest", problems)
    version = version or index.latest
    if version not in {v.id for v in index.versions} and index.archives:  # an older release: the yearly pages
        try:
            index = reader.history(index)
        except FeedError as exc:
            return VerifyReport(version or "latest", [str(exc)])
    ids = sorted(v.id for v in index.versions)
    if index.archives and ids and ids[0] > index.archives[-1].last:  # the pages' newest comes before
        ids.insert(0, index.archives[-1].last)
    if version is None or not VERSION_ID.fullmatch(version):
        return VerifyReport(version or "latest", [f"{INDEX}: no release {version or 'published yet'}"])
    verdict = VerifyReport(version, problems)
    newest = ids[-1] if ids else None
    if index.latest != newest:
        problems.append(f"{INDEX}: latest is {index.latest}, but the newest release listed is {newest} "
                        "(an older release put back in place of a newer one)")
    if not reader.remote and (Path(reader.where) / "v").is_dir():
        newer = sorted(p.name for p in (Path(reader.where) / "v").iterdir()
                       if VERSION_ID.fullmatch(p.name) and p.name > (newest or ""))
        if newer:
            problems.append(f"{INDEX}: its newest release is {newest}, but v/{newer[-1]} is newer "
                            "(an older index put back)")
    if after is not None and version < after:  # the same release again is no news, not a rollback
        problems.append(f"{INDEX}: release {version} is older than {after}, the last one seen "
                        "(an older release put back in place of a newer one)")
    base = f"v/{version}/"
    raw = reader.read(base + MANIFEST)
    manifest = _model(raw, Manifest, base + MANIFEST, problems)
    if raw is None or manifest is None:
        return verdict
    _check_signature(reader, raw, manifest, base, public_key, verdict, unsigned)
    if manifest.version != version:
        problems.append(f"{base}{MANIFEST}: names release {manifest.version}, not {version} (a release replaced by another)")
    _check_chain(reader, manifest, version, ids, index, at, verdict)
    _check_files(reader, manifest, base, verdict)
    if version == index.latest:
        copy = reader.read(f"latest/{MANIFEST}")
        if copy is not None and copy != raw:
            problems.append(f"latest/{MANIFEST}: differs from {base}{MANIFEST}")
    return verdict


def _check_signature(reader: Reader, raw: bytes, manifest: Manifest, base: str, public_key: str | None,
                     verdict: VerifyReport, unsigned: bool = False) -> None:
    name = base + MANIFEST + SIGNATURE_SUFFIX
    signature = reader.read(name)
    key = public_key_from(public_key, reader, verdict)
    if signature is None:
        if unsigned:
            verdict.signed = False
            verdict.notes.append("the release is unsigned: its files were checked, not who published them")
        else:
            verdict.problems.append(f"{name}: missing (the release is unsigned)")
        return
    if key is None:
        verdict.problems.append(f"{PUBLIC_KEY_FILE}: missing, and no --public-key given: the signature cannot be checked")
        return
    try:
        comment = key.verify(raw, signature.decode("utf-8", "replace"))
    except SignatureError as exc:
        verdict.problems.append(f"{name}: {exc}")
        return
    if comment != trusted_comment(manifest):
        verdict.problems.append(f"{name}: the trusted comment does not describe this manifest ({comment!r})")


def _check_chain(reader: Reader, manifest: Manifest, version: str, ids: list[str], index: IndexFile, at: datetime,
                 verdict: VerifyReport) -> None:
    problems, manifest_name = verdict.problems, f"v/{version}/{MANIFEST}"
    if version not in ids:
        problems.append(f"{INDEX}: does not list release {version}")
        return
    position = ids.index(version)
    expected_previous = ids[position - 1] if position else None
    if manifest.previous != expected_previous:
        problems.append(f"{manifest_name}: previous is {manifest.previous}, but the release before it is {expected_previous}")
    elif expected_previous is not None:
        before = _model(reader.read(f"v/{expected_previous}/{MANIFEST}"), Manifest, f"v/{expected_previous}/{MANIFEST}",
                        problems)
        if before is not None and (before.version != expected_previous or before.created_at > manifest.created_at):
            problems.append(f"v/{expected_previous}/{MANIFEST}: is not the release {version} follows "
                            f"(names {before.version}, created {before.created_at:%Y-%m-%dT%H:%M:%SZ})")
    if manifest.expires_at is None:
        problems.append(f"{manifest_name}: has no expiry (made before schema_version 1.1)")
        return
    successor = next((v for v in index.versions if v.id == ids[position + 1]), None) if position + 1 < len(ids) else None
    # A superseded release must have been replaced in time; the latest must be valid now.
    deadline_check = successor.created_at if successor is not None else at
    if manifest.expires_at < deadline_check:
        when = f"before {successor.id} replaced it" if successor is not None else f"before {at:%Y-%m-%dT%H:%M:%SZ}"
        problems.append(f"{manifest_name}: expired at {manifest.expires_at:%Y-%m-%dT%H:%M:%SZ}, {when}")


def _check_files(reader: Reader, manifest: Manifest, base: str, verdict: VerifyReport) -> None:
    changes_rows = None
    for name in sorted(manifest.files, key=lambda n: n == "changes.html"):  # changes.json first
        entry = manifest.files[name]
        data = reader.read(base + name)
        verdict.files += 1
        if data is None:
            verdict.problems.append(f"{base}{name}: missing")
            continue
        if len(data) != entry.bytes:
            verdict.problems.append(f"{base}{name}: {len(data)} bytes, the manifest says {entry.bytes}")
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            verdict.problems.append(f"{base}{name}: sha256 differs from the manifest's")
            continue
        try:
            rows = count_rows(name, data)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, OSError, EOFError) as exc:
            verdict.problems.append(f"{base}{name}: cannot count its rows ({type(exc).__name__}: {exc})")
            continue
        if name.endswith(".gz") and name.removesuffix(".gz") in manifest.files:
            sibling = manifest.files[name.removesuffix(".gz")]
            if hashlib.sha256(gzip.decompress(data)).hexdigest() != sibling.sha256:
                verdict.problems.append(f"{base}{name}: does not hold {name.removesuffix('.gz')}")
        if name == "changes.json":
            changes_rows = rows
        if rows is None:
            rows = changes_rows
        if rows is not None and rows != entry.rows:
            verdict.problems.append(f"{base}{name}: {rows} rows, the manifest says {entry.rows}")
    if not reader.remote:
        folder = Path(reader.where) / base
        listed = set(manifest.files) | {MANIFEST, MANIFEST + SIGNATURE_SUFFIX}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            if name in listed:
                continue
            file = name.removesuffix(PACKED)
            if not name.endswith(PACKED) or file not in manifest.files:
                verdict.problems.append(f"{base}{name}: not in the manifest")
            elif (folder / file).is_file() and not _unpacks_to(path, manifest.files[file].sha256):
                # beside its file, a server sends it to clients that accept gzip (nginx's gzip_static)
                verdict.problems.append(f"{base}{name}: does not hold {file}")


def _unpacks_to(path: Path, sha256: str) -> bool:
    try:
        return hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest() == sha256
    except (OSError, EOFError):
        return False
