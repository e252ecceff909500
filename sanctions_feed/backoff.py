"""How long to wait before trying again: the server's `Retry-After` when it gives one, else
exponential backoff; and how long to wait at all (`within`). Shared by the crawler's requests,
its downloads, the object-storage push and webhook deliveries."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

BASE_DELAY = 2.0
MAX_DELAY = 120.0


def retry_delay(attempt: int, retry_after: str | None, now: datetime | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): the server's `Retry-After`
    (seconds or an HTTP date) when it gives one, else exponential backoff; capped either way."""
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return min(float(value), MAX_DELAY)
        try:
            when = parsedate_to_datetime(value)
            return min(max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0), MAX_DELAY)
        except (TypeError, ValueError):
            pass
    return min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY)


T = TypeVar("T")


def within(seconds: float, work: Callable[..., T], *args) -> tuple[bool, T | None]:
    """(True, `work(*args)`) if it returns within `seconds`, whatever its sockets do (a peer that
    sends a byte every few seconds never trips a per-read timeout); else (False, None), and the
    work left behind runs on in a daemon thread, which ends with it or with the process."""
    done: list[T] = []
    worker = threading.Thread(target=lambda: done.append(work(*args)), daemon=True)
    worker.start()
    worker.join(seconds)
    return (True, done[0]) if done else (False, None)
