"""Serve a feed directory over HTTP for pullers: ETags, conditional GETs, cache headers, and
never a byte from outside the directory. For one machine; past that, put the directory behind
object storage and a CDN (pullers then never touch this process)."""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Release directories never change; the pointers to them do.
IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "public, max-age=60, must-revalidate"
TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


class FeedFiles:
    """Maps URL paths to files inside one directory, with content ETags (cached by mtime/size)."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._etags: dict[Path, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL names, or None for anything outside the root, hidden, or not a file."""
        parts = [p for p in unquote(urlsplit(url_path).path).split("/") if p]
        if any(p in (".", "..") or p.startswith(".") or "\0" in p or "\\" in p for p in parts):
            return None
        target = self.root.joinpath(*parts).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target

    def etag(self, path: Path) -> str:
        stat = path.stat()
        with self._lock:
            cached = self._etags.get(path)
            if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
                return cached[2]
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        tag = f'"{digest.hexdigest()[:32]}"'
        with self._lock:
            self._etags[path] = (stat.st_mtime_ns, stat.st_size, tag)
        return tag

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
            if path is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            tag = files.etag(path)
            wanted = {t.strip() for t in (self.headers.get("If-None-Match") or "").split(",")}
            status = HTTPStatus.NOT_MODIFIED if tag in wanted or "*" in wanted else HTTPStatus.OK
            self.send_response(status)
            self.send_header("ETag", tag)
            self.send_header("Cache-Control", files.cache_control(self.path))
            self.send_header("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True))
            if status == HTTPStatus.NOT_MODIFIED:
                self.end_headers()
                return
            kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            if body:
                with path.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 16), b""):
                        self.wfile.write(block)

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    return FeedHandler


def make_server(root: Path, host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(FeedFiles(root)))
