"""Webhooks: after a release with changes, POST a JSON summary to each subscriber, signed with
HMAC-SHA256 over the timestamp and the body (as Stripe and GitHub sign theirs), retried with
backoff on a network error, a 429 or a 5xx, and recorded per delivery.

Each delivery has a total deadline (attempts, waits and a receiver that drips its answer
included) and the subscribers are served at once, so that a slow one never holds an update."""

from __future__ import annotations

import hashlib
import hmac
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

from sanctions_feed.backoff import retry_delay, within
from sanctions_feed.schemas.feed import WebhookCounts, WebhookPayload

from .settings import WEBHOOK_DEADLINE, Publishing

SIGNATURE_HEADER = "X-Sanctions-Feed-Signature"
TIMESTAMP_HEADER = "X-Sanctions-Feed-Timestamp"
DELIVERY_HEADER = "X-Sanctions-Feed-Delivery"
ATTEMPTS = 5
TIMEOUT = 10.0
"""Seconds for one connection or one socket read."""
USER_AGENT = "sanctions-feed-webhook/0.1"
LINKED_FILES = ("changes.json", "changes.csv", "changes.html", "manifest.json", "addresses.json")


@dataclass
class Delivery:
    """One webhook's delivery of one release, as recorded in the store."""

    url: str
    version: str
    status: str
    """delivered, or failed (after every attempt, or refused with a 4xx)."""
    attempts: int
    http_status: int | None
    error: str | None
    at: datetime

    def line(self) -> str:
        if self.status == "delivered":
            return f"webhook {self.url}: delivered {self.version} (HTTP {self.http_status}, {self.attempts} attempts)"
        return f"warning: webhook {self.url}: not delivered {self.version} after {self.attempts} attempts ({self.error})"


def payload(prepared, stored: list[str], publishing: Publishing) -> bytes:
    entry = prepared.entry
    body = WebhookPayload(
        version=prepared.version, previous=prepared.previous, created_at=prepared.created_at,
        counts=WebhookCounts(addresses=entry.addresses, active=entry.active, added=entry.added,
                             removed=entry.removed, changed=entry.changed),
        sources=sorted(stored), links={name: publishing.link(f"v/{prepared.version}/{name}") for name in LINKED_FILES})
    return body.model_dump_json().encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: HMAC-SHA256 of `<timestamp>.<body>` with the shared secret.
    A receiver recomputes it, compares in constant time, and refuses old timestamps (replays)."""
    digest = hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


Answer = tuple[int | None, str | None, str | None]
"""(HTTP status, Retry-After, error); status None when the request never got an answer."""


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> Answer:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) checked at start
            answer.read()
            return answer.status, None, None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Retry-After"), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"


def deliver(url: str, version: str, body: bytes, secret: str, sleep=time.sleep,
            deadline: float = WEBHOOK_DEADLINE) -> Delivery:
    """One subscriber's delivery: attempts until one is accepted, a 4xx refuses it, or `deadline`
    seconds have passed in all (a Retry-After past it ends the delivery at once)."""
    backoff = float(os.environ.get("SANCTIONS_FEED_WEBHOOK_BACKOFF", "1"))
    delivery_id = hashlib.sha256(f"{version} {url}".encode()).hexdigest()[:32]
    ends = time.monotonic() + deadline
    status = error = None
    attempt = 0
    while attempt < ATTEMPTS:
        attempt += 1
        timestamp = int(time.time())  # each attempt signed afresh: a receiver may refuse old ones
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, DELIVERY_HEADER: delivery_id,
                   TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}
        left = ends - time.monotonic()
        answered, answer = within(left, _post, url, body, headers, min(TIMEOUT, left))
        status, retry_after, error = answer if answered and answer else (
            None, None, f"no whole answer within the deadline ({left:.1f} s)")
        if status is not None and 200 <= status < 300:
            return Delivery(url, version, "delivered", attempt, status, None, datetime.now(timezone.utc))
        if status is not None and status < 500 and status != 429:
            break  # refused: the same request would be refused again
        if attempt < ATTEMPTS:
            wait = retry_delay(attempt, retry_after) * backoff
            if wait >= ends - time.monotonic():
                error = f"{error}; the next attempt (in {wait:g} s) would pass the deadline of {deadline:g} s"
                break
            sleep(wait)
    return Delivery(url, version, "failed", attempt, status, error, datetime.now(timezone.utc))


def notify(prepared, stored: list[str], publishing: Publishing) -> list[Delivery]:
    """Every subscriber at once, each within the publishing deadline; results in the order configured."""
    if not publishing.webhooks or publishing.webhook_secret is None:
        return []
    body = payload(prepared, stored, publishing)
    secret, deadline = publishing.webhook_secret, publishing.webhook_deadline
    with ThreadPoolExecutor(max_workers=min(16, len(publishing.webhooks))) as pool:
        return list(pool.map(lambda url: deliver(url, prepared.version, body, secret, deadline=deadline),
                             publishing.webhooks))
