"""Serve a feed directory over HTTP for pullers: ETags, conditional GETs, cache headers, gzip for
clients that accept it, and never a byte from outside the directory. For one machine; past that,
push the feed to object storage behind a CDN (`update --publish-to`): pullers then never touch
this process."""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import mimetypes
import os
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol
from urllib.parse import unquote, urlsplit

from .at_rest import PACKED_SUFFIXES, packed
from .html import CONTENT_SECURITY_POLICY

# Release directories never change; the pointers to them do.
IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "public, max-age=60, must-revalidate"
TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".atom": "application/atom+xml", ".pub": "text/plain; charset=utf-8",
         ".minisig": "text/plain; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".gz": "application/gzip"}
MAX_SEGMENT = 255  # bytes: longer than any file name, and the OS would refuse it
IDLE_TIMEOUT = 30.0  # seconds a connection may sit silent
BACKLOG = 128
SCHEMA_TYPE = "application/schema+json"


def content_type(name: str) -> str:
    """The Content-Type of a feed file, by its path from the feed root (served or uploaded)."""
    if name.startswith("schema/") or "/schema/" in name:
        return SCHEMA_TYPE
    suffix = Path(name).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


COMPRESSIBLE = frozenset({".json", ".csv", ".txt", ".html", ".atom", ".xml", ".pub", ".minisig", ".css", ".js",
                          ".svg"})
MIN_GZIP = 1024  # bytes: below this, gzip saves nothing worth a header
GZIP_CACHE_BYTES = 64 * 1024**2


def accepts_gzip(header: str | None) -> bool:
    """Accept-Encoding names gzip (or *) with a non-zero quality (RFC 9110 12.5.3)."""
    for item in (header or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(quality) > 0
            except ValueError:
                return False
    return False


class Opened(NamedTuple):
    """A file opened for one request: its handle, stat and ETag, and `unpacked`, the size of the
    file it holds packed at rest (None: the file itself)."""

    handle: BinaryIO
    stat: os.stat_result
    tag: str
    unpacked: int | None


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class Representation:
    """A file's answer: its ETag, whether gzip-encoded, and exactly `length` bytes to read from `source`."""

    tag: str
    gzip: bool
    length: int
    source: Readable

    def blocks(self):
        remaining = self.length  # exactly the bytes the length announced
        while remaining > 0:
            block = self.source.read(min(1 << 16, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block


class FeedFiles:
    """Maps URL paths to files inside one directory, with content ETags.

    A file is opened once per request, and its length, ETag and body all come from that one open
    file: `publish` replaces index.json and `latest` while pollers read, and a replaced file is a
    new inode, so the open one stays whole. ETags are cached by inode, never by name."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._etags: dict[tuple[int, int, int, int], tuple[str, int]] = {}
        self._gzipped: dict[tuple[int, int, int, int], bytes] = {}
        self._gzipped_bytes = 0
        self._lock = threading.Lock()

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL names, or None for anything outside the root, hidden, or not a file."""
        parts = [p for p in unquote(urlsplit(url_path).path).split("/") if p]
        if any(p in (".", "..") or p.startswith(".") or "\0" in p or "\\" in p
               or len(p.encode("utf-8", "surrogatepass")) > MAX_SEGMENT for p in parts):
            return None
        try:
            target = self.root.joinpath(*parts).resolve()
            if not target.is_relative_to(self.root):
                return None
            if target.is_file() or (target.suffix in PACKED_SUFFIXES and packed(target).is_file()
                                    and packed(target).resolve().is_relative_to(self.root)):
                return target  # the file, or an older release's file kept packed at rest
        except (OSError, ValueError):
            return None
        return None

    def open(self, path: Path) -> Opened | None:
        """The file opened, or None when it vanished meanwhile. A file kept packed at rest has the
        ETag it had as written: the sha256 of its own bytes."""
        at_rest = None
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            try:
                handle, at_rest = packed(path).open("rb"), 0
            except OSError:
                return None
        except OSError:
            return None
        stat = os.fstat(handle.fileno())
        key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            tag = self._etags.get(key)
        if tag is None:
            digest, size = hashlib.sha256(), 0
            source = gzip.GzipFile(fileobj=handle, mode="rb") if at_rest is not None else handle
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
            handle.seek(0)
            tag = (f'"{digest.hexdigest()[:32]}"', size)
            with self._lock:
                if len(self._etags) > 10_000:  # old releases' inodes: drop, they are re-hashed if asked
                    self._etags.clear()
                self._etags[key] = tag
        return Opened(handle, stat, tag[0], tag[1] if at_rest is not None else None)

    def gzipped(self, handle, stat, path: Path | None = None) -> bytes:
        """The file gzip-compressed: its `.gz` sibling as published when there is one, else made
        here (deterministic: no name, no time); cached by inode."""
        key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._gzipped.get(key)
        sibling = path.with_name(f"{path.name}.gz") if path is not None else None
        if cached is None and sibling is not None and sibling.is_file() and not sibling.is_symlink():
            cached = sibling.read_bytes()
        if cached is None:
            cached = gzip.compress(handle.read(), compresslevel=6, mtime=0)
            with self._lock:
                if self._gzipped_bytes + len(cached) > GZIP_CACHE_BYTES:
                    self._gzipped.clear()
                    self._gzipped_bytes = 0
                self._gzipped[key] = cached
                self._gzipped_bytes += len(cached)
        return cached

    def representation(self, path: Path, opened: Opened, accept_encoding: str | None) -> Representation:
        """What to send for an opened file (see `open`): gzip for a client that accepts it (the
        `.gz` as it is for a file kept packed, else `gzipped`), else the file's own bytes."""
        handle, stat, tag, unpacked = opened
        compress = (path.suffix in COMPRESSIBLE and (stat.st_size >= MIN_GZIP or unpacked is not None)
                    and accepts_gzip(accept_encoding))
        if compress:  # another representation: another ETag (RFC 9110 8.8.3)
            tag = tag[:-1] + '-gzip"'
            if unpacked is None:
                data = self.gzipped(handle, stat, path)
                return Representation(tag, True, len(data), io.BytesIO(data))
            return Representation(tag, True, stat.st_size, handle)
        if unpacked is not None:
            return Representation(tag, False, unpacked, gzip.GzipFile(fileobj=handle, mode="rb"))
        return Representation(tag, False, stat.st_size, handle)

    @staticmethod
    def cache_control(url_path: str) -> str:
        """By the URL, not the file: `latest/x` is the same file as `v/<ID>/x` but it moves."""
        first = unquote(urlsplit(url_path).path).lstrip("/").split("/", 1)[0]
        return IMMUTABLE if first == "v" else MUTABLE


def make_handler(files: FeedFiles):
    class FeedHandler(BaseHTTPRequestHandler):
        server_version = "sanctions-feed"

        def do_GET(self):
            self._respond(body=True)

        def do_HEAD(self):
            self._respond(body=False)

        def _respond(self, body: bool):
            # `latest/...` resolves through the symlink, so its ETag is the release file's.
            path = files.resolve(self.path)
            opened = files.open(path) if path is not None else None
            if path is None or opened is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            with opened.handle:
                answer = files.representation(path, opened, self.headers.get("Accept-Encoding"))
                # Weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
                wanted = {t.strip().removeprefix("W/") for t in (self.headers.get("If-None-Match") or "").split(",")}
                status = HTTPStatus.NOT_MODIFIED if answer.tag in wanted or "*" in wanted else HTTPStatus.OK
                self.send_response(status)
                self.send_header("ETag", answer.tag)
                self.send_header("Cache-Control", files.cache_control(self.path))
                self.send_header("Last-Modified", formatdate(opened.stat.st_mtime, usegmt=True))
                if path.suffix in COMPRESSIBLE:
                    self.send_header("Vary", "Accept-Encoding")
                if status == HTTPStatus.NOT_MODIFIED:
                    self.end_headers()
                    return
                self.send_header("Content-Type", content_type(path.relative_to(files.root).as_posix()))
                self.send_header("X-Content-Type-Options", "nosniff")
                if path.suffix in (".html", ".svg"):
                    self.send_header("Content-Security-Policy", f"{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'")
                if answer.gzip:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(answer.length))
                self.end_headers()
                if body:
                    for block in answer.blocks():
                        self.wfile.write(block)

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    return FeedHandler


class FeedServer(ThreadingHTTPServer):
    request_queue_size = BACKLOG
    daemon_threads = True

    def get_request(self):
        try:
            return super().get_request()
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                time.sleep(0.1)  # out of descriptors: wait for some to close instead of spinning
            raise


def make_server(root: Path, host: str, port: int, idle_timeout: float = IDLE_TIMEOUT) -> ThreadingHTTPServer:
    handler = make_handler(FeedFiles(root))
    handler.timeout = idle_timeout  # a silent connection is closed, its thread freed
    return FeedServer((host, port), handler)
