"""A poll that costs a request: before the scheduler starts an update of a source, it asks the
source's own change signal in its own process (the one-file sources: OFAC's publication list,
the EU's checksum, the UK's Last-Modified, France's publication date). When the signal says the
source is as its last good run read it, the check is recorded (the store's `last_checked` and
`signals`, and index.json's sources) and no update process starts: no interpreter, no crawler,
no parse, no build. Anything else (no signal, a new one, a signal not trusted any more, an
unreadable answer, no last good run) starts the update as before, which decides in full.

The spider's own code decides (`check_signal`, the same rule an update applies), on the state
the update would use (index.json's sources, `known_inputs`)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

logger = logging.getLogger("sanctions_feed.poll")

RECORD_WAIT = 5.0
"""Seconds to wait for the update lock to record a check (an update of another source may hold
it); past that, the check is not recorded and the next poll asks again. Short: a scheduler told
to stop waits for the job in progress."""


def unchanged_signal(name: str, feeds: Path, location: str | None, now: datetime | None = None) -> dict | None:
    """The `unchanged` item ({"reason", "signals"}) when the source's change signal says it has
    not changed since its last good run, else None (an update is to run)."""
    from sanctions_feed.pipeline.crawl import known_inputs
    from sanctions_feed.spiders import load_sources
    from sanctions_feed.spiders.framework.onefile import OneFileSpider

    spider_class = load_sources().get(name)
    known = known_inputs(feeds).get(name)
    if spider_class is None or not issubclass(spider_class, OneFileSpider) or not known:
        return None
    spider = spider_class(location=location, known=known, now=now or datetime.now(timezone.utc))
    url = spider.source_url
    outcome = spider.check_signal(url, spider.publisher_signal(url))
    return outcome["unchanged"] if outcome else None


def record_check(name: str, feeds: Path, db_url: str, unchanged: dict, now: datetime) -> None:
    """Record a check that found the source unchanged, as an unchanged update records it: under
    the update lock, in the store and in index.json's sources (nothing else moves)."""
    from sqlmodel import Session

    from sanctions_feed.ops.locks import update_lock
    from sanctions_feed.pipeline.crawl import code_fingerprint
    from sanctions_feed.pipeline.store import open_store, record_unchanged
    from sanctions_feed.publish.build import load_sources
    from sanctions_feed.publish.release import refresh_index

    with update_lock(feeds, db_url, RECORD_WAIT):
        engine = open_store(db_url)
        with Session(engine) as session:
            record_unchanged(session, name, {**unchanged["signals"], "code": code_fingerprint()}, now, [])
            session.commit()
            refresh_index(feeds, load_sources(session), now)


def poll(name: str, feeds: Path, db_url: str, location: str | None) -> str | None:
    """Check the source in this process: the reason it is unchanged (recorded; no update is to
    run), or None (run the update). Never raises: a check that fails leaves it to the update."""
    now = datetime.now(timezone.utc)
    try:
        unchanged = unchanged_signal(name, feeds, location, now)
        if unchanged is None:
            return None
        record_check(name, feeds, db_url, unchanged, now)
        return unchanged["reason"]
    except Exception as exc:  # the update that follows checks again, and says what is wrong
        logger.warning("%s: the scheduler's change check failed (%s: %s); the update checks again",
                       name, type(exc).__name__, exc)
        return None
