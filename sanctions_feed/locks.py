"""Who may act on a feed: one `update` at a time, one active scheduler.

On one machine a file lock beside the feed does it. With PostgreSQL the store is shared by
several hosts, each with its own feed directory, so a file lock is not enough: a PostgreSQL
advisory lock, held by a connection for as long as the holder lives, does it across hosts (the
server releases it when that connection ends, however its process died). The lock is per store:
the database and schema the URL names.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreError, UpdateError

logger = logging.getLogger(__name__)

UPDATE, SCHEDULER = "sanctions-feed.update", "sanctions-feed.scheduler"
_TRY_LOCK = "SELECT pg_try_advisory_lock(hashtext(%s), hashtext(current_database() || '.' || current_schema()))"


def is_postgres(db_url: str) -> bool:
    return db_url.startswith(("postgresql", "postgres:"))


def _libpq_url(db_url: str) -> str:
    """The URL as libpq reads it (SQLAlchemy's `postgresql+psycopg://` names a driver)."""
    scheme, sep, rest = db_url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


def _acquire(try_once: Callable[[], bool], wait: bool, on_wait: Callable[[], None] | None) -> bool:
    """Take a lock: at once or not at all, or (`wait`) polling each second until it is free."""
    while not try_once():
        if not wait:
            return False
        if on_wait:
            on_wait()
        time.sleep(1.0)
    return True


@contextmanager
def _file_lock(path: Path, wait: bool, on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold an exclusive lock on `path`; yields False at once if it is held and `wait` is off."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
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
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _advisory_lock(db_url: str, name: str, wait: bool, on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold a PostgreSQL advisory lock on a connection of its own for the block."""
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError(f"the PostgreSQL driver is not installed ({exc}): pip install 'sanctions-feed[postgres]'") from None
    try:
        connection = psycopg.connect(_libpq_url(db_url), autocommit=True, application_name=name)
    except psycopg.Error as exc:
        raise StoreError(f"cannot reach the store to take the {name} lock: {(str(exc).splitlines() or [''])[0]}") from None
    with connection:
        yield _acquire(lambda: bool(connection.execute(_TRY_LOCK, (name,)).fetchone()[0]),  # type: ignore[index]
                       wait, on_wait)  # held until the connection closes


@contextmanager
def update_lock(feeds: Path, db_url: str) -> Iterator[None]:
    """One update of a feed at a time (and, with PostgreSQL, of its store across hosts): a second
    one fails at once instead of racing the first."""
    lock_path = Path(f"{Path(feeds).resolve()}.lock")
    with _file_lock(lock_path, wait=False) as mine:
        if not mine:
            raise UpdateError(f"{feeds}: another update of this feed is running ({lock_path} is locked)")
        if not is_postgres(db_url):
            yield
            return
        with _advisory_lock(db_url, UPDATE, wait=False) as ours:
            if not ours:
                raise UpdateError(f"{feeds}: another update of this store is running (on this or another host: "
                                  "its PostgreSQL advisory lock is held)")
            yield


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
        with _advisory_lock(db_url, SCHEDULER, wait=True, on_wait=waiting):
            yield
    else:
        with _file_lock(Path(f"{Path(feeds).resolve()}.scheduler.lock"), wait=True, on_wait=waiting):
            yield
