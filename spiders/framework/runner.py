"""Run source spiders through Scrapy in this process and report per-source outcomes.

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
from pathlib import Path
from typing import Any, NamedTuple

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from sanctions_feed.schemas.crawl import CrawlRequest

from .. import load_sources
from . import settings as spider_settings
from .base import SourceError
from .replay import REPLAY_ENV


class RequestError(Exception):
    """The update asked for something no source can do (a sample a source does not have)."""


class WarningCollector(logging.Handler):
    """Every warning a spider (or Scrapy about a spider) logs, kept per source for the report:
    what a spider warns about must reach the operator, not die with this process's stderr."""

    def __init__(self, names):
        super().__init__(logging.WARNING)
        self.by_source: dict[str, list[str]] = {name: [] for name in names}

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno != logging.WARNING:  # errors reach the report through spider_error
            return
        spider = getattr(record, "spider", None)
        name = getattr(spider, "name", None) or record.name
        if name in self.by_source:
            self.by_source[name].append(record.getMessage())


class Requested(NamedTuple):
    """Where one source is read from: a location (None: its live URL), and which kind of input
    that is (live, sample or replay: the update's guards choose their bounds by it)."""

    location: str | None
    input: str


def run(out_dir: Path, requested: dict[str, Requested], request: CrawlRequest) -> dict:
    settings = Settings()
    settings.setmodule(spider_settings)
    settings.set("SANCTIONS_FEED_OUT", str(out_dir))
    # A source that hangs (a server that never answers, a stalled parse) is closed at its time
    # limit and fails; the others go on.
    settings.set("CLOSESPIDER_TIMEOUT", float(request.source_timeout or 1800))
    if all(r.location for r in requested.values()):  # replaying local copies: nobody to be polite to
        settings.set("AUTOTHROTTLE_ENABLED", False)
    process = CrawlerProcess(settings)
    sources = load_sources()
    # The source's declared metadata travels with its outcome: the update process never imports Scrapy.
    report: dict[str, dict[str, Any]] = {name: {"ok": True, "error": None, "input": r.input,
                                                "meta": sources[name].meta.model_dump(mode="json")}
                                         for name, r in requested.items()}

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
                      archive=request.archive)
    process.start()
    for name, messages in collector.by_source.items():
        report[name]["warnings"] = messages
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    return report


def resolve(only: list[str], locations: dict[str, str], samples: bool) -> dict[str, Requested]:
    """Which sources run, and from where: a location given, else the bundled sample (--samples),
    else the live URL (None)."""
    sources = load_sources()
    unknown = sorted((set(only) | set(locations)) - set(sources))
    if unknown:
        raise RequestError(f"unknown source {', '.join(unknown)} (known: {', '.join(sources)})")
    names = list(only) or [n for n, s in sources.items() if s.default]
    names += [n for n in locations if n not in names and not only]
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
