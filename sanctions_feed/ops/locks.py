"""Who may act on a feed: one `update` at a time, one active scheduler.

On one machine a file lock beside the feed does it. With PostgreSQL the store is shared by
several hosts, each with its own feed directory, so a file lock is not enough: a PostgreSQL
advisory lock, held by a connection for as long as the holder lives, does it across hosts (the
server releases it when that connection ends, however its process died). The lock is per store:
the database and schema the URL names.

An update holds both from before its first read of the feed or the store until its last delivery:
the holder writes who it is (pid and host) into the lock file and its connection's
application_name, so that a refused update can name it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sanctions_feed.errors import StoreError, UpdateError

logger = logging.getLogger(__name__)

UPDATE, SCHEDULER = "sanctions-feed.update", "sanctions-feed.scheduler"
_KEYS = "hashtext(%s), hashtext(current_database() || '.' || current_schema())"
_TRY_LOCK = f"SELECT pg_try_advisory_lock({_KEYS})"
_UNLOCK = f"SELECT pg_advisory_unlock({_KEYS})"
_HOLDER = ("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
           "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::int = (SELECT hashtext(%s)) "
           "AND l.objid::int = (SELECT hashtext(current_database() || '.' || current_schema())) LIMIT 1")


def is_postgres(db_url: str) -> bool:
    return db_url.startswith(("postgresql", "postgres:"))


def _libpq_url(db_url: str) -> str:
    """The URL as libpq reads it (SQLAlchemy's `postgresql+psycopg://` names a driver)."""
    scheme, sep, rest = db_url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


def holder_name() -> str:
    """Who this process is, as a refused update names the holder."""
    return f"pid {os.getpid()}, host {socket.gethostname()}"


def _acquire(try_once: Callable[[], bool], wait: float, on_wait: Callable[[], None] | None) -> bool:
    """Take a lock: at once, or polling each second for up to `wait` seconds (inf: until it is free)."""
    deadline = time.monotonic() + wait
    while not try_once():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if on_wait:
            on_wait()
        time.sleep(min(1.0, left))
    return True


@contextmanager
def _file_lock(path: Path, wait: float, on_wait: Callable[[], None] | None = None,
               holder: str | None = None) -> Iterator[bool]:
    """Hold an exclusive lock on `path`; yields False if it is still held after `wait` seconds.
    `holder`: written into the file while it is held (a refused caller reads it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        def try_once() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not _acquire(try_once, wait, on_wait):
            yield False
            return
        try:
            if holder is not None:
                handle.seek(0)
                handle.truncate()
                handle.write(holder + "\n")
                handle.flush()
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _file_holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown holder"
    except (OSError, UnicodeDecodeError):
        return "unknown holder"


class AdvisoryLock:
    """A PostgreSQL advisory lock on a connection of its own; `alive()` says whether it is still held."""

    def __init__(self, connection, name: str):
        self.connection, self.name = connection, name

    def alive(self) -> bool:
        try:
            self.connection.execute("SELECT 1")
        except Exception:  # any failure of the connection: the server has released the lock
            return False
        return True


@contextmanager
def _advisory_lock(db_url: str, name: str, wait: float,
                   on_wait: Callable[[], None] | None = None) -> Iterator[AdvisoryLock | None]:
    """Hold a PostgreSQL advisory lock on a connection of its own for the block (None: not taken)."""
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError(f"the PostgreSQL driver is not installed ({exc}): pip install 'sanctions-feed[postgres]'") from None
    try:
        connection = psycopg.connect(_libpq_url(db_url), autocommit=True,
                                     application_name=f"{name} {holder_name()}"[:63])
    except psycopg.Error as exc:
        raise StoreError(f"cannot reach the store to take the {name} lock: {(str(exc).splitlines() or [''])[0]}") from None
    with connection:
        lock = AdvisoryLock(connection, name)
        taken = _acquire(lambda: bool(connection.execute(_TRY_LOCK, (name,)).fetchone()[0]),  # type: ignore[index]
                         wait, on_wait)
        try:
            yield lock if taken else None  # held until released here, or until the connection closes
        finally:
            if taken:
                # Released before the connection closes: the server ends a closed session's locks
                # a moment later, and the next update, started at once, would find it still held.
                with contextlib.suppress(psycopg.Error):
                    connection.execute(_UNLOCK, (name,))


class UpdateLock:
    """What an update holds; `check()` before anything it makes visible."""

    def __init__(self, feeds: Path, advisory: AdvisoryLock | None = None):
        self.feeds, self.advisory = feeds, advisory

    def check(self) -> None:
        """Stop here when the store's lock was lost (its connection dropped): another update may
        hold it now, and this one must not publish."""
        if self.advisory is not None and not self.advisory.alive():
            raise UpdateError(f"{self.feeds}: the update lost its PostgreSQL advisory lock (the connection to the "
                              "store dropped); stopped before publishing, nothing was published")


def _running(feeds: Path, holder: str) -> UpdateError:
    return UpdateError(f"{feeds}: another update of this feed is running ({holder})")


@contextmanager
def update_lock(feeds: Path, db_url: str, wait: float = 0.0) -> Iterator[UpdateLock]:
    """One update of a feed at a time (and, with PostgreSQL, of its store across hosts). A second
    one waits up to `wait` seconds, then fails naming the holder, instead of racing the first."""
    lock_path = Path(f"{Path(feeds).resolve()}.lock")
    started = time.monotonic()
    with _file_lock(lock_path, wait, holder=holder_name()) as mine:
        if not mine:
            raise _running(feeds, _file_holder(lock_path))
        if not is_postgres(db_url):
            yield UpdateLock(feeds)
            return
        left = max(0.0, wait - (time.monotonic() - started))
        with _advisory_lock(db_url, UPDATE, left) as held:
            if held is None:
                raise _running(feeds, f"{_pg_holder(db_url)}; its PostgreSQL advisory lock on the store is "
                                      "held, on this or another host")
            yield UpdateLock(feeds, held)


def _pg_holder(db_url: str) -> str:
    """The holder of the update lock, from the server's own view of its sessions."""
    try:
        import psycopg

        with psycopg.connect(_libpq_url(db_url), autocommit=True) as connection:
            row = connection.execute(_HOLDER, (UPDATE,)).fetchone()
    except Exception:
        return "unknown holder"
    name = (row[0] if row else "") or ""
    return name.partition(" ")[2] or "unknown holder"


@contextmanager
def leadership(feeds: Path, db_url: str) -> Iterator[None]:
    """Be the one active scheduler: wait, as a standby, while another holds the lock, and take
    over when it stops or dies (with PostgreSQL, across hosts)."""
    said: list[bool] = []

    def waiting() -> None:
        if not said:
            logger.info("another scheduler is active for this feed; waiting as a standby")
            said.append(True)

    if is_postgres(db_url):
        with _advisory_lock(db_url, SCHEDULER, wait=float("inf"), on_wait=waiting):
            yield
    else:
        with _file_lock(Path(f"{Path(feeds).resolve()}.scheduler.lock"), wait=float("inf"), on_wait=waiting):
            yield
