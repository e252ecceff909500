"""The crawl step: the spiders run in a child process (Twisted's reactor runs once per process,
and a crash there must not take the store with it); their output is read back per source."""

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
from typing import TYPE_CHECKING

from .errors import UpdateError

if TYPE_CHECKING:
    from .schemas.source import RawListing, Rejected, SourceSnapshot

RUNNER = "sanctions_feed.spiders.framework.runner"


@dataclass
class SourceRun:
    """What one source's crawl produced, or why it produced nothing usable."""

    name: str
    meta: dict
    snapshot: SourceSnapshot | None = None
    listings: list[RawListing] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    """What the spider warned about: relayed to the operator, counted, kept in index.json."""
    unconsumed: list[str] = field(default_factory=list)
    """Source fields the parser did not read (the warnings `--strict` refuses a run for)."""
    input: str = "live"
    """live (the source's URL), sample (the bundled sample) or replay (`--source`): which bounds apply."""


class Crawl:
    """The crawler child process of one update. Use as a context manager: the child is started
    on entry (so the caller can load its own code meanwhile), killed if the caller fails first,
    and its temporary output removed on exit."""

    def __init__(self, only: list[str], locations: dict[str, str], samples: bool, now: datetime,
                 archive: Path | None = None):
        self.out = Path(tempfile.mkdtemp(prefix="sanctions-feed-crawl-"))
        # -P: the working directory is not put on sys.path, so a stray `zipfile.py` there cannot
        # shadow the standard library; the child finds the package as installed.
        args = [sys.executable, "-P", "-m", RUNNER, str(self.out)] + (["--samples"] if samples else [])
        args += [a for name in only for a in ("--only", name)]
        args += [f"{name}={location}" for name, location in locations.items()]
        env = {"SANCTIONS_FEED_NOW": now.isoformat()}
        if archive is not None:
            env["SANCTIONS_FEED_ARCHIVE"] = str(Path(archive).resolve())
        self.child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                      env={**os.environ, **env})

    def __enter__(self) -> Crawl:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.child.poll() is None:  # we failed first: the crawl's output would go nowhere
            self.child.kill()
            self.child.communicate()
        shutil.rmtree(self.out, ignore_errors=True)

    def results(self) -> list[SourceRun]:
        """Wait for the child; every requested source's run, in the order they were requested."""
        _, stderr = self.child.communicate()
        report_path = self.out / "report.json"
        if self.child.returncode != 0 or not report_path.exists():
            last = (stderr.strip().splitlines() or ["no output"])[-1]
            raise UpdateError(f"the crawler process failed (exit {self.child.returncode}): {last}")
        report = json.loads(report_path.read_text())
        if "error" in report:
            raise UpdateError(report["error"])
        return [read_run(self.out, name, outcome) for name, outcome in report.items()]


def read_run(out_dir: Path, name: str, outcome: dict) -> SourceRun:
    """A spider's JSON-lines output as a SourceRun."""
    from .schemas.source import RawListing, Rejected, SourceSnapshot

    run = SourceRun(name=name, meta=outcome["meta"], error=outcome["error"],
                    warnings=outcome.get("warnings", []), unconsumed=outcome.get("unconsumed", []),
                    input=outcome.get("input", "live"))
    path = out_dir / f"{name}.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                if "listing" in item:
                    run.listings.append(RawListing.model_validate(item["listing"]))
                elif "rejected" in item:
                    run.rejected.append(Rejected.model_validate(item["rejected"]))
                elif "snapshot" in item:
                    run.snapshot = SourceSnapshot.model_validate(item["snapshot"])
    if run.error is None and run.snapshot is None:
        run.error = f"{name}: the source produced no data"
    return run

