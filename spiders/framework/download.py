"""One-file downloads streamed to disk while they are hashed, for the sources published as one
big file. Scrapy keeps a whole response body in memory (about twice its size at the end): for
OFAC's 120 MB XML that alone dominated the run's peak memory. Here the body goes to a
temporary file in chunks and the parser reads it from there. Scrapy stays for paged APIs.

It behaves as Scrapy does for these sources: the same User-Agent, redirects followed (OFAC's
302 to a signed object-store URL), transient failures retried with backoff (honouring
`Retry-After`), a size limit and a time limit, and an error answer kept (its start) so that
`documents.refusal` can say what came instead of the file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

from w3lib.url import file_uri_to_path

from sanctions_feed.backoff import retry_delay

from . import settings
from .replay import archived, replaying

CHUNK = 1024 * 1024
ERROR_BODY_LIMIT = 1024 * 1024
"""An error answer is read this far: enough for its title or JSON error, never a whole file."""
READ_TIMEOUT = settings.READ_TIMEOUT
"""Seconds a stalled connection may stay silent before the attempt fails (and is retried)."""


class DownloadError(Exception):
    """The file could not be had: every attempt failed, it is too big, or it took too long."""


@dataclass
class Document:
    """A downloaded file: on disk (`path`) or, for a small or error answer, in memory (`body`)."""

    url: str
    """Where it was read from in the end (after redirects)."""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers, names in lower case."""
    sha256: str = ""
    size: int = 0
    path: Path | None = None
    body: bytes | None = None
    progress: Progress | None = None
    """Told how far a reader of `open()` has got (the operator's progress line while parsing)."""
    temporary: bool = False
    """`path` is our download (removed by `discard`), not a replayed file of the operator's."""

    def open(self) -> IO[bytes]:
        if self.path is None:
            return io.BytesIO(self.body or b"")
        if self.progress is None:
            return self.path.open("rb")
        return io.BufferedReader(_Counted(self.path.open("rb", buffering=0), self.size, self.progress), CHUNK)

    def read(self) -> bytes:
        if self.body is None:
            self.body = self.path.read_bytes() if self.path is not None else b""
        return self.body

    def head(self, size: int = 65536) -> bytes:
        if self.body is not None:
            return self.body[:size]
        with self.open() as stream:
            return stream.read(size)

    def discard(self) -> None:
        """Remove the downloaded file (a replayed local file is left alone)."""
        if self.temporary and self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class _Counted(io.RawIOBase):
    """A file whose reads are reported (position, size), seekable as the file is (ZIP readers seek)."""

    def __init__(self, raw, size: int, progress: Progress):
        self.raw, self.size, self.report = raw, size, progress

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.raw.readinto(buffer)
        self.report(self.raw.tell(), self.size)
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        self.raw.close()
        super().close()


def in_memory(url: str, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Document:
    return Document(url=url, status=status, headers=headers or {}, sha256=hashlib.sha256(body).hexdigest(),
                    size=len(body), body=body)


Progress = Callable[[int, "int | None"], None]


def fetch(url: str, folder: Path, *, headers: dict[str, str] | None = None, method: str = "GET",
          max_bytes: int = settings.DOWNLOAD_MAXSIZE, deadline: float = 600.0, retries: int = settings.RETRY_TIMES,
          to_memory: bool = False, progress: Progress | None = None) -> Document:
    """Fetch `url` (http, https or file) into a new file in `folder` (or into memory), hashing it
    on the way. An HTTP error answer is returned (status and the start of its body), after the
    retries for transient ones; a 304 is returned as is. Raises DownloadError when nothing could
    be had at all."""
    if replaying():  # `rebuild`: the bytes a past run got from this URL, nothing from the network
        kept = archived(url)
        if kept is None:
            raise DownloadError("not among the archived inputs of this replay")
        document = _local(kept.as_uri(), to_memory, progress)
        document.url = url
        return document
    if urlparse(url).scheme == "file":
        return _local(url, to_memory, progress)
    started = time.monotonic()
    request_headers = {"User-Agent": settings.USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    attempt = 0
    while True:
        try:
            return _attempt(url, folder, request_headers, method, max_bytes, started + deadline, to_memory, progress)
        except _Transient as exc:
            attempt += 1
            if attempt > retries or time.monotonic() - started > deadline:
                if exc.answer is not None:
                    return exc.answer
                raise DownloadError(f"download failed after {attempt} attempts: {exc}") from None
            time.sleep(min(retry_delay(attempt, exc.retry_after), max(deadline - (time.monotonic() - started), 0)))


class _Transient(Exception):
    """An attempt that may succeed if repeated: a dropped connection, a 429 or 5xx answer."""

    def __init__(self, reason: str, answer: Document | None = None, retry_after: str | None = None):
        super().__init__(reason)
        self.answer, self.retry_after = answer, retry_after


def _attempt(url, folder, headers, method, max_bytes, deadline, to_memory, progress) -> Document:
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        # A stalled connection fails the attempt; never waits past the download's own deadline.
        timeout = max(min(READ_TIMEOUT, deadline - time.monotonic()), 0.1)
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only here)
    except urllib.error.HTTPError as error:
        answer = in_memory(error.filename or url, error.read(ERROR_BODY_LIMIT) if error.fp else b"", error.code,
                           _lower(error.headers))
        error.close()
        if error.code in settings.RETRY_HTTP_CODES:
            raise _Transient(f"HTTP {error.code}", answer, answer.headers.get("retry-after")) from None
        return answer
    except (urllib.error.URLError, OSError, HTTPException) as exc:
        raise _Transient(str(getattr(exc, "reason", exc) or type(exc).__name__)) from None
    with response:
        document = Document(url=response.url, status=response.status, headers=_lower(response.headers))
        length = document.headers.get("content-length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > max_bytes:
            raise DownloadError(f"the file is {total} bytes, more than the {max_bytes} allowed: refused")
        if method == "HEAD":
            return document
        try:
            _copy(response, document, folder, max_bytes, deadline, to_memory, total, progress)
        except (OSError, HTTPException) as exc:
            if isinstance(exc, _TooLong):
                raise DownloadError(str(exc)) from None
            raise _Transient(f"the connection broke mid-download ({exc or type(exc).__name__})") from None
    if total is not None and document.size != total:
        document.discard()
        raise _Transient(f"the body stopped at {document.size} of {total} bytes")
    return document


class _TooLong(OSError):
    pass


def _copy(stream, document: Document, folder: Path, max_bytes: int, deadline: float, to_memory: bool,
          total: int | None, progress: Progress | None) -> None:
    sink: IO[bytes]
    if to_memory:
        sink = io.BytesIO()
    else:
        handle, name = tempfile.mkstemp(prefix="download-", dir=folder)
        document.path, document.temporary = Path(name), True
        sink = os.fdopen(handle, "wb")
    try:
        with sink:
            document.sha256, document.size = _pump(stream, sink, max_bytes, deadline, total, progress)
            if isinstance(sink, io.BytesIO):
                document.body = sink.getvalue()
    except BaseException:
        document.discard()
        raise


def _pump(stream, sink: IO[bytes] | None, max_bytes: float, deadline: float, total: int | None,
          progress: Progress | None) -> tuple[str, int]:
    """Read `stream` to its end in chunks, hashing them (and writing them to `sink`): its sha256
    and size. Over `max_bytes` or past `deadline`, it stops with an error."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise _TooLong(f"the file is more than the {max_bytes} bytes allowed: refused")
        if time.monotonic() > deadline:
            raise _TooLong(f"the download took too long ({size} bytes read): refused")
        if progress is not None:
            progress(size, total)
    return digest.hexdigest(), size


def _local(url: str, to_memory: bool, progress: Progress | None) -> Document:
    """A replayed local file: read where it lies (hashed in chunks), never copied."""
    path = Path(file_uri_to_path(url))
    try:
        if to_memory:
            return in_memory(url, path.read_bytes())
        size = path.stat().st_size
        with path.open("rb") as stream:
            sha256, _ = _pump(stream, None, float("inf"), float("inf"), size, progress)
    except OSError as exc:
        raise DownloadError(f"cannot read the file ({exc.strerror or exc})") from None
    return Document(url=url, sha256=sha256, size=size, path=path)


ARCHIVE_LEVEL = 3
"""gzip level of the raw archive. Measured on the real OFAC advanced XML: level 3 keeps 5.5% of
it at ~400 MB/s, level 6 4.5% at ~170 MB/s (the 120 MB file would cost 0.4 s more on every
changed update); OFAC's legacy CSV keeps ~20% at any level."""


def archived_path(archive: Path, sha256: str) -> Path | None:
    """The archived copy of an input: `<sha256>.gz`, or `<sha256>` as archives before compression
    kept it; None when neither is there."""
    for path in (archive / f"{sha256}.gz", archive / sha256):
        if path.is_file():
            return path
    return None


def keep(document: Document, archive: Path) -> None:
    """Keep a document's bytes in the raw archive, gzip-compressed as `<sha256>.gz` (no name or
    time in the header, so the same input gives the same file), whole or not at all."""
    if archived_path(archive, document.sha256) is not None:
        return
    archive.mkdir(parents=True, exist_ok=True)
    target = archive / f"{document.sha256}.gz"
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")  # sources run side by side
    with partial.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                   compresslevel=ARCHIVE_LEVEL) as out:
        if document.path is not None:
            with document.path.open("rb") as source:
                shutil.copyfileobj(source, out, 1024 * 1024)
        else:
            out.write(document.body or b"")
    os.replace(partial, target)


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in (headers.items() if headers else [])}
