"""The main job: crawl the requested sources, store each good run, publish a release."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from publish.build import build_addresses, load_rejected, load_sources
from publish.release import publish
from schemas.feed import SourceStatus
from spiders import SPIDERS

from .store import GuardError, apply_run, load_run, open_store, record_failure

SAMPLES = Path(__file__).parent / "samples"


class UpdateError(Exception):
    """Every requested source failed: nothing was published."""


@dataclass
class UpdateResult:
    version: str | None
    outcomes: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    added: int = 0
    removed: int = 0
    changed: int = 0

    def summary(self) -> str:
        if self.version:
            head = f"published {self.version}: +{self.added} added, -{self.removed} removed, ~{self.changed} changed"
        else:
            head = "no change: no new version"
        return head + "; " + ", ".join(f"{name}: {text}" for name, text in sorted(self.outcomes.items()))


def sample_locations() -> dict[str, str]:
    return {name: str(SAMPLES / spider.sample) for name, spider in SPIDERS.items()
            if getattr(spider, "sample", None) and (SAMPLES / spider.sample).exists()}


def crawl(requested: dict[str, str | None], now: datetime) -> tuple[dict, Path]:
    """Run the spiders in a child process (Twisted's reactor runs once per process)."""
    out = Path(tempfile.mkdtemp(prefix="sanctions-feed-crawl-"))
    args = [sys.executable, "-m", "spiders.runner", str(out)]
    args += [f"{name}={location}" if location else name for name, location in requested.items()]
    env = {**os.environ, "SANCTIONS_FEED_NOW": now.isoformat(), "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                          os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    report_path = out / "report.json"
    if proc.returncode != 0 or not report_path.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise UpdateError(f"the crawler process failed (exit {proc.returncode}): {last}")
    return json.loads(report_path.read_text()), out


def run_update(feeds: Path, db_url: str, locations: dict[str, str], only: list[str],
               force: bool, now: datetime) -> UpdateResult:
    names = list(only) or [n for n, s in SPIDERS.items() if getattr(s, "default", True)]
    names += [n for n in locations if n not in names and not only]
    requested = {name: locations.get(name) for name in names}
    report, out = crawl(requested, now)
    try:
        return _store_and_publish(feeds, db_url, names, report, out, force, now)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _store_and_publish(feeds: Path, db_url: str, names: list[str], report: dict, out: Path,
                       force: bool, now: datetime) -> UpdateResult:
    engine = open_store(db_url)
    result = UpdateResult(version=None)
    for name in names:
        outcome = report.get(name, {"ok": False, "error": f"{name}: no report from the crawler"})
        snapshot, listings, rejected = load_run(out, name)
        error = outcome["error"]
        if outcome["ok"] and snapshot is None:
            error = f"{name}: the source produced no data"
        if error is None:
            try:
                counts = apply_run(engine, SPIDERS[name].meta, name, snapshot, listings, rejected,
                                   now.date(), now, force)
                result.outcomes[name] = f"{counts['listings']} listings, {counts['rejected']} rejected"
                continue
            except GuardError as exc:
                error, status = str(exc), "refused"
        else:
            status = "failed"
        record_failure(engine, name, status, error, now)
        result.failures[name] = error
        result.outcomes[name] = f"{status}, kept last good data"
    if len(result.failures) == len(names):
        raise UpdateError("; ".join(result.failures[n] for n in names) + " (nothing published)")
    sources = [SourceStatus.model_validate(row, from_attributes=True) for row in load_sources(engine)]
    version, changes = publish(feeds, build_addresses(engine, now.date()), load_rejected(engine), sources, now)
    result.version = version
    if changes is not None:
        result.added, result.removed, result.changed = len(changes.added), len(changes.removed), len(changes.changed)
    return result
