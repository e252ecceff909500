"""The sources that need no Scrapy (`OneFileSpider`: one file, fetched by our own streaming
downloader) run here, driven to their end without a reactor: in the crawler child beside the
Scrapy spiders, or in the update's own process when they are all it runs (one interpreter: no
child to start, nothing of Scrapy imported). Their items are written as the Scrapy pipeline
writes them, and their warnings are kept for the report, so the update reads them alike."""

from __future__ import annotations

import logging
from pathlib import Path

from sanctions_feed.schemas.crawl import CrawlRequest

from .pipelines import write_item

DEFAULT_TIME_LIMIT = 1800.0


class WarningCollector(logging.Handler):
    """Every warning a source (or Scrapy about a spider) logs, kept per source for the report:
    what a spider warns about must reach the operator, not die with a process's stderr."""

    def __init__(self, names):
        super().__init__(logging.WARNING)
        self.by_source: dict[str, list[str]] = {name: [] for name in names}

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno != logging.WARNING:  # errors reach the report through the source's error
            return
        spider = getattr(record, "spider", None)
        name = getattr(spider, "name", None) or record.name
        if name in self.by_source:
            self.by_source[name].append(record.getMessage())


def run_source(source, name: str, location: str | None, request: CrawlRequest, out_dir: Path,
               log: Path | None = None) -> dict:
    """Run one `OneFileSpider` class to its end; its report entry (ok, error, warnings,
    unconsumed, traceback). `log`: the source's log goes to this file only (in the update's
    process, whose own log relays the warnings once, from the report)."""
    spider = source(location=location, known=request.known.get(name), now=request.now, archive=request.archive,
                    out_dir=str(out_dir), time_limit=request.source_timeout or DEFAULT_TIME_LIMIT)
    logger = logging.getLogger(name)
    collector = WarningCollector([name])
    logger.addHandler(collector)
    to_file = None
    if log is not None:
        to_file = logging.FileHandler(log, encoding="utf-8")
        to_file.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        logger.addHandler(to_file)
        logger.propagate = False
    try:
        with (out_dir / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for item in spider.items():
                write_item(handle, item)
    finally:
        logger.removeHandler(collector)
        if to_file is not None:
            logger.removeHandler(to_file)
            to_file.close()
            logger.propagate = True
    outcome: dict = {"ok": spider.error is None, "error": spider.error, "warnings": collector.by_source[name],
                     "unconsumed": list(spider.unconsumed)}
    if spider.error_traceback:
        outcome["traceback"] = spider.error_traceback
    return outcome
