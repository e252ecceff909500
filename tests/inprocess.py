"""A seam for the tests: the update's crawl run in this process, each spider driven offline on
its local files (samples, replays), so that a test of the store, the guards, the verdicts or the
release does not start the crawler child (a Python with Scrapy, about a second each time).

Used by every test but those marked `e2e`, which keep the real child: the HTTP paths (the live
endpoints' behaviour, redirects, the firewall rule), the child's failures and time limits, the
scheduler's processes. `run_update` cannot tell the difference: it gets the same SourceRuns, read
by the same `read_run` from the same JSON-lines files."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sanctions_feed.pipeline.crawl import SourceRun, read_run
from sanctions_feed.spiders import load_sources
from sanctions_feed.spiders.framework.base import SourceError
from sanctions_feed.spiders.framework.runner import RequestError, resolve

from .spider_driver import drive


def _from_disk(request):
    """A local file for a file:// URL or a path; a failed download for one that is not there."""
    parts = urlsplit(request.url)
    if parts.scheme not in ("", "file"):
        raise AssertionError(f"the in-process crawl reads local files only, not {request.url} (mark the test e2e)")
    path = Path(unquote(parts.path))
    return (200, path.read_bytes()) if path.is_file() else None


class _Warnings(logging.Handler):
    def __init__(self, name: str):
        super().__init__(logging.WARNING)
        self.name_, self.messages = name, []

    def emit(self, record: logging.LogRecord) -> None:
        spider = getattr(record, "spider", None)
        if record.levelno == logging.WARNING and (getattr(spider, "name", None) or record.name) == self.name_:
            self.messages.append(record.getMessage())


class InProcessCrawl:
    """`pipeline.crawl.Crawl`'s interface, without the child."""

    def __init__(self, only, locations, samples, now, archive=None, known=None, source_timeout=None, replay=None):
        if replay is not None:
            raise AssertionError("a replay (rebuild) runs the real crawler (mark the test e2e)")
        self.only, self.locations, self.samples, self.now = list(only), dict(locations), samples, now
        self.archive, self.known = archive, known or {}
        self.out = Path(tempfile.mkdtemp(prefix="sanctions-feed-inprocess-"))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        shutil.rmtree(self.out, ignore_errors=True)

    def results(self, show_progress: bool = False) -> list[SourceRun]:
        from sanctions_feed.errors import UpdateError

        try:
            requested = resolve(self.only, self.locations, self.samples)
        except RequestError as exc:
            raise UpdateError(str(exc)) from None
        sources = load_sources()
        runs = []
        for name, wanted in requested.items():
            spider = sources[name](location=wanted.location, known=self.known.get(name), now=self.now,
                                   archive=str(Path(self.archive).resolve()) if self.archive else None)
            collector = _Warnings(name)
            logging.getLogger().addHandler(collector)
            error, items = None, []
            try:
                items, _ = drive(spider, _from_disk)
            except SourceError as exc:
                error = str(exc)
            except Exception as exc:  # as the real runner reports a callback's exception
                error = f"{name}: {type(exc).__name__}: {exc}"
            finally:
                logging.getLogger().removeHandler(collector)
            with (self.out / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
                for item in items:
                    handle.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
            outcome = {"ok": error is None, "error": error, "input": wanted.input,
                       "meta": spider.meta.model_dump(mode="json"), "warnings": collector.messages,
                       "unconsumed": list(spider.unconsumed)}
            runs.append(read_run(self.out, name, outcome, self.known.get(name)))
        return runs
