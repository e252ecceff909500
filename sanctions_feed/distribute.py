"""After a release is announced: push the feed to object storage, then tell the subscribers.
Each step reports one line; a failure here never undoes the release (it is published and
committed): the next run pushes what is missing and the deliveries are recorded."""

from __future__ import annotations

from pathlib import Path

from .publish.settings import Publishing


def distribute(feeds: Path, engine, prepared, stored: list[str], publishing: Publishing) -> list[str]:
    lines: list[str] = []
    if publishing.publish_to:
        from .publish.objects import PushError, push_feed

        try:
            lines.append(push_feed(feeds, publishing.publish_to))
        except PushError as exc:
            lines.append(f"warning: {exc}")
    if prepared is not None and not prepared.renewal and publishing.webhooks:
        from .publish.notify import notify
        from .store import record_deliveries

        deliveries = notify(prepared, stored, publishing)
        record_deliveries(engine, deliveries)
        lines += [delivery.line() for delivery in deliveries]
    return lines
