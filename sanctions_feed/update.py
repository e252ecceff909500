"""The main job: crawl the requested sources, store each good run, publish a release."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import UpdateError


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


def start_crawl(only: list[str], locations: dict[str, str], samples: bool, now: datetime,
                out: Path, archive: Path | None = None) -> subprocess.Popen:
    """Start the spiders in a child process (Twisted's reactor runs once per process)."""
    args = [sys.executable, "-m", "spiders.runner", str(out)] + (["--samples"] if samples else [])
    args += [a for name in only for a in ("--only", name)]
    args += [f"{name}={location}" for name, location in locations.items()]
    path = os.pathsep.join([str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "SANCTIONS_FEED_NOW": now.isoformat(), "PYTHONPATH": path}
    if archive is not None:
        env["SANCTIONS_FEED_ARCHIVE"] = str(Path(archive).resolve())
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)


def finish_crawl(child: subprocess.Popen, out: Path) -> dict:
    _, stderr = child.communicate()
    report_path = out / "report.json"
    if child.returncode != 0 or not report_path.exists():
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        raise UpdateError(f"the crawler process failed (exit {child.returncode}): {last}")
    return json.loads(report_path.read_text())


@contextmanager
def exclusive(feeds: Path):
    """One update of a feed at a time: a second one fails at once instead of racing the first."""
    lock_path = Path(f"{Path(feeds).resolve()}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateError(f"{feeds}: another update of this feed is running ({lock_path} is locked)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_update(feeds: Path, db_url: str, locations: dict[str, str], only: list[str],
               force: bool, now: datetime, samples: bool = False,
               archive: Path | None = None) -> UpdateResult:
    with exclusive(feeds):
        return _run_update(feeds, db_url, locations, only, force, now, samples, archive)


def _run_update(feeds, db_url, locations, only, force, now, samples, archive) -> UpdateResult:
    out = Path(tempfile.mkdtemp(prefix="sanctions-feed-crawl-"))
    child = start_crawl(only, locations, samples, now, out, archive)
    try:
        # While the child crawls, this process loads the store and publishing code (the other core).
        from .store import open_store

        engine = open_store(db_url)
        report = finish_crawl(child, out)
        return _store_and_publish(feeds, engine, list(report), report, out, force, now)
    finally:
        if child.poll() is None:  # we failed first: the crawl's output would go nowhere
            child.kill()
            child.wait()
        shutil.rmtree(out, ignore_errors=True)


def _store_and_publish(feeds: Path, engine, names: list[str], report: dict, out: Path,
                       force: bool, now: datetime) -> UpdateResult:
    from publish.build import build_addresses, load_rejected, load_sources
    from publish.release import publish
    from schemas.feed import SourceStatus
    from spiders import SPIDERS

    from .store import GuardError, apply_run, load_run, record_failure

    result = UpdateResult(version=None)
    for name in names:
        outcome = report[name]
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
