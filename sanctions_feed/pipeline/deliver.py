"""After a release is announced: push the feed to object storage, then tell the subscribers.
Each step reports one line; a failure here never undoes the release (it is published and
committed): the next run pushes what is missing and the deliveries are recorded. Each step has
a deadline (`Publishing.push_deadline`, `.webhook_deadline`): a black-hole endpoint or a slow
subscriber costs at most that, and the update still ends with exit 0."""

from __future__ import annotations

from pathlib import Path

from sanctions_feed.publish.settings import Publishing


def distribute(feeds: Path, engine, prepared, stored: list[str], publishing: Publishing) -> list[str]:
    lines: list[str] = []
    if publishing.publish_to:
        lines += _push_within(feeds, publishing.publish_to, publishing.push_deadline)
    if prepared is not None and not prepared.renewal and publishing.webhooks:
        from sanctions_feed.pipeline.store import record_deliveries
        from sanctions_feed.publish.notify import notify

        deliveries = notify(prepared, stored, publishing)
        record_deliveries(engine, deliveries)
        lines += [delivery.line() for delivery in deliveries]
    return lines


def _push_within(feeds: Path, url: str, deadline: float) -> list[str]:
    """The push, given `deadline` seconds. One left running past it is abandoned (it ends with
    the process); the bucket's index.json, written last, never names a release not whole there."""
    from sanctions_feed.backoff import within

    finished, lines = within(deadline, _push, feeds, url)
    if not finished:
        return [f"warning: {url}: the push did not finish within its deadline ({deadline:g} s); the local release "
                "stands, and the next run pushes what is missing"]
    return lines or []


def _push(feeds: Path, url: str) -> list[str]:
    from sanctions_feed.publish.objects import PushError, push_feed

    try:
        return push_feed(feeds, url)
    except PushError as exc:
        return [f"warning: {exc}"]
    except Exception as exc:  # the release is published: whatever the push meets is a warning
        return [f"warning: {url}: the push failed ({type(exc).__name__}: {exc}); the local release stands, "
                "and the next run pushes what is missing"]
