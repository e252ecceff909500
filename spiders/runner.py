"""Run source spiders through Scrapy in this process and report per-source outcomes.

The update command starts this module in a child process (`python -m spiders.runner`): Twisted's
reactor cannot be restarted in one process, and a crash here must not take the store with it.

    python -m spiders.runner OUT_DIR [--samples] [--only NAME]... [NAME=LOCATION]...

runs the named sources (default: every default source, plus any given a location), each from its
live URL, its bundled sample (--samples) or the location given, and writes OUT_DIR/<name>.jsonl
(items) and OUT_DIR/report.json ({name: {"ok": bool, "error": str}}).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from . import SPIDERS
from . import settings as spider_settings
from .base import SourceError


def run(out_dir: Path, requested: dict[str, str | None]) -> dict:
    settings = Settings()
    settings.setmodule(spider_settings)
    settings.set("SANCTIONS_FEED_OUT", str(out_dir))
    if all(requested.values()):  # replaying local copies: nobody to be polite to
        settings.set("AUTOTHROTTLE_ENABLED", False)
    process = CrawlerProcess(settings)
    report = {name: {"ok": True, "error": None} for name in requested}

    def on_error(failure, response, spider):
        error = failure.value
        message = str(error) if isinstance(error, SourceError) else f"{spider.name}: {type(error).__name__}: {error}"
        if report[spider.name]["ok"]:
            report[spider.name] = {"ok": False, "error": message}

    for name, location in requested.items():
        crawler = process.create_crawler(SPIDERS[name])
        crawler.signals.connect(on_error, signal=signals.spider_error)
        process.crawl(crawler, location=location)
    process.start()
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    return report


SAMPLES = Path(__file__).resolve().parent.parent / "sanctions_feed" / "samples"


def resolve(only: list[str], locations: dict[str, str], samples: bool) -> dict[str, str | None]:
    """Which sources run, and from where."""
    names = list(only) or [n for n, s in SPIDERS.items() if getattr(s, "default", True)]
    names += [n for n in locations if n not in names and not only]
    bundled = {n: str(SAMPLES / s.sample) for n, s in SPIDERS.items()
               if samples and getattr(s, "sample", None) and (SAMPLES / s.sample).exists()}
    return {name: locations.get(name) or bundled.get(name) for name in names}


def main(argv: list[str]) -> int:
    out_dir, args = Path(argv[0]), argv[1:]
    only, locations, samples = [], {}, False
    while args:
        arg = args.pop(0)
        if arg == "--samples":
            samples = True
        elif arg == "--only":
            only.append(args.pop(0))
        else:
            name, _, location = arg.partition("=")
            locations[name] = location
    run(out_dir, resolve(only, locations, samples))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
