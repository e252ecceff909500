"""Run the sources in this process and report per-source outcomes: the one-file sources directly
(`direct`), the others through Scrapy.

The update command starts this module in a child process by its module name (Twisted's reactor
cannot be restarted in one process, and a crash here must not take the store with it):

    python -P -m sanctions_feed.spiders.framework.runner OUT_DIR [--samples] [--only NAME]... [NAME=LOCATION]...

runs the named sources (default: every default source, plus any given a location), each from its
live URL, its bundled sample (--samples) or the location given, each told what its last good run
read (`--known FILE`: {name: {"sha256", "signals"}}, for the change check), and writes OUT_DIR/<name>.jsonl
(items) and OUT_DIR/report.json ({name: {"ok": bool, "error": str}}). A request it cannot
serve (an unknown source, `--samples` for a source without a sample) writes
{"error": "..."} there instead, and nothing runs.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from sanctions_feed.schemas.crawl import CrawlRequest

from .. import declares_one_file, load_sources, source_names
from .base import SourceError
from .direct import DEFAULT_TIME_LIMIT, WarningCollector, run_source
from .onefile import OneFileSpider
from .replay import REPLAY_ENV


class RequestError(Exception):
    """The update asked for something no source can do (a sample a source does not have)."""


class Requested(NamedTuple):
    """Where one source is read from: a location (None: its live URL), and which kind of input
    that is (live, sample or replay: the update's guards choose their bounds by it)."""

    location: str | None
    input: str


def run(out_dir: Path, requested: dict[str, Requested], request: CrawlRequest, log: Path | None = None,
        waiting: Callable[[], None] | None = None) -> dict:
    """Every requested source run; the report, also written to OUT_DIR/report.json. `log`: the
    one-file sources' log goes to this file only (when run in the update's own process);
    `waiting`: called every 0.2 s while they run (the update's progress line)."""
    sources = load_sources(list(requested))
    # The source's declared metadata travels with its outcome: the update process never reads it
    # from the spider classes.
    report: dict[str, dict[str, Any]] = {name: {"ok": True, "error": None, "input": r.input,
                                                "meta": sources[name].meta.model_dump(mode="json")}
                                         for name, r in requested.items()}
    direct = {name: r for name, r in requested.items() if issubclass(sources[name], OneFileSpider)}
    crawled = {name: r for name, r in requested.items() if name not in direct}
    # The one-file sources download side by side (and beside Scrapy's reactor, which keeps this
    # thread), each in a daemon thread: a stopped update does not wait for a download to end.
    outcomes: dict[str, dict | BaseException] = {}

    def work(name: str, where: Requested) -> None:
        try:
            outcomes[name] = run_source(sources[name], name, where.location, request, out_dir, log)
        except BaseException as exc:  # noqa: BLE001 - raised again in this thread
            outcomes[name] = exc

    threads = [threading.Thread(target=work, args=item, name=f"source-{item[0]}", daemon=True)
               for item in direct.items()]
    for thread in threads:
        thread.start()
    if crawled:
        _crawl(out_dir, crawled, request, report, sources)
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)
            if waiting is not None:
                waiting()
    for name in direct:
        outcome = outcomes[name]
        if isinstance(outcome, BaseException):
            raise outcome
        report[name].update(outcome)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    return report


def without_scrapy(only: list[str], locations: dict[str, str], samples: bool) -> dict[str, Requested] | None:
    """The sources named, resolved, when every one is a one-file source (then no crawler child is
    needed); else None. Told by their modules' text first, so that a run naming a Scrapy spider
    imports no Scrapy here; a request no source can do is None too (the child reports it)."""
    known = source_names()
    if not only or not all(name in known and declares_one_file(name) for name in [*only, *locations]):
        return None
    try:
        requested = resolve(only, locations, samples)
    except RequestError:
        return None
    sources = load_sources(list(requested))
    return requested if all(issubclass(sources[name], OneFileSpider) for name in requested) else None


def _crawl(out_dir: Path, requested: dict[str, Requested], request: CrawlRequest, report: dict, sources) -> None:
    """The Scrapy spiders, in one CrawlerProcess (Twisted's reactor runs once per process)."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from . import settings as spider_settings

    settings = Settings()
    settings.setmodule(spider_settings)
    settings.set("SANCTIONS_FEED_OUT", str(out_dir))
    # A source that hangs (a server that never answers, a stalled parse) is closed at its time
    # limit and fails; the others go on.
    settings.set("CLOSESPIDER_TIMEOUT", float(request.source_timeout or DEFAULT_TIME_LIMIT))
    if all(r.location for r in requested.values()):  # replaying local copies: nobody to be polite to
        settings.set("AUTOTHROTTLE_ENABLED", False)
    process = CrawlerProcess(settings)
    collector = WarningCollector(requested)
    logging.getLogger().addHandler(collector)

    def on_closed(spider, reason=None):
        report[spider.name]["unconsumed"] = list(getattr(spider, "unconsumed", []))
        if getattr(spider, "error_traceback", None):
            report[spider.name].setdefault("traceback", spider.error_traceback)
        failed = spider.error or (f"{spider.name}: stopped after its time limit ({settings.getint('CLOSESPIDER_TIMEOUT')} s)"
                                  if reason == "closespider_timeout" else None)
        if failed and report[spider.name]["ok"]:
            report[spider.name].update(ok=False, error=failed)

    def on_error(failure, response, spider):
        error = failure.value
        message = str(error) if isinstance(error, SourceError) else f"{spider.name}: {type(error).__name__}: {error}"
        if report[spider.name]["ok"]:
            report[spider.name].update(ok=False, error=message)
            if not isinstance(error, SourceError):  # Scrapy logged it with its traceback too
                report[spider.name]["traceback"] = failure.getTraceback()

    for name, r in requested.items():
        crawler = process.create_crawler(sources[name])
        crawler.signals.connect(on_error, signal=signals.spider_error)
        crawler.signals.connect(on_closed, signal=signals.spider_closed)
        process.crawl(crawler, location=r.location, known=request.known.get(name), now=request.now,
                      archive=request.archive, out_dir=str(out_dir))
    process.start()
    logging.getLogger().removeHandler(collector)
    for name, messages in collector.by_source.items():
        report[name]["warnings"] = messages


def resolve(only: list[str], locations: dict[str, str], samples: bool) -> dict[str, Requested]:
    """Which sources run, and from where: a location given, else the bundled sample (--samples),
    else the live URL (None)."""
    known = source_names()
    unknown = sorted((set(only) | set(locations)) - set(known))
    if unknown:
        raise RequestError(f"unknown source {', '.join(unknown)} (known: {', '.join(known)})")
    names = list(only) or [n for n, s in load_sources().items() if s.default]
    names += [n for n in locations if n not in names and not only]
    sources = load_sources(names)
    chosen = {}
    for name in names:
        if name in locations:
            chosen[name] = Requested(locations[name], "replay")
        elif samples:
            sample = sources[name].sample_path()
            if sample is None:
                raise RequestError(f"{name}: no bundled sample (the spider declares no `sample`): "
                                   f"give --source {name}=LOCATION or leave out --samples")
            chosen[name] = Requested(str(sample), "sample")
        else:
            chosen[name] = Requested(None, "live")
    return chosen


def main(argv: list[str]) -> int:
    """`runner OUT_DIR`: the update's crawl request is OUT_DIR/request.json; the report and each
    source's records are written beside it."""
    out_dir = Path(argv[0])
    request = CrawlRequest.model_validate_json((out_dir / "request.json").read_text(encoding="utf-8"))
    if request.replay:  # read deep in the download layer, within this process only
        os.environ[REPLAY_ENV] = request.replay
    try:
        requested = resolve(request.only, request.locations, request.samples)
    except RequestError as exc:
        (out_dir / "report.json").write_text(json.dumps({"error": str(exc)}))
        return 0
    run(out_dir, requested, request)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
