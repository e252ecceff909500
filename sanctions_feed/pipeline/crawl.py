"""The crawl step: the sources run, and their output is read back per source. Scrapy's spiders run
in a child process (Twisted's reactor runs once per process, and a crash there must not take the
store with it); a run of one-file sources alone, which need no Scrapy, runs in this process."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sanctions_feed.errors import UpdateError

if TYPE_CHECKING:
    from sanctions_feed.schemas.source import RawListing, Rejected, SourceSnapshot

RUNNER = "sanctions_feed.spiders.framework.runner"
CRAWL_MARGIN = 120.0
"""Seconds the crawl process may outlive its sources' time limit before it is killed."""


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
    unchanged: str | None = None
    """Why the source is the same as at its last good run (then it is not stored or published)."""
    signals: dict = field(default_factory=dict)
    """The source's change signals as this run found them (validators, the publisher's signal)."""
    traceback: str | None = None
    """The child's traceback of an unforeseen exception (the error line names where it is kept)."""


class Crawl:
    """The crawl of one update. Use as a context manager: a crawler child is started on entry (so
    the caller can load its own code meanwhile), killed if the caller fails first or it outlives
    its sources' time limit (`source_timeout`, each) by CRAWL_MARGIN, and its temporary directory
    removed on exit. When every source named is a one-file source (and this is no replay), they
    run in this process instead, when the results are asked for: one interpreter, no Scrapy.
    `known`: per source, what its last good run read (sha256, change signals), for the change check."""

    def __init__(self, only: list[str], locations: dict[str, str], samples: bool, now: datetime,
                 archive: Path | None = None, known: dict[str, dict] | None = None,
                 source_timeout: float | None = None, replay: Path | None = None):
        from sanctions_feed.schemas.crawl import CrawlRequest
        from sanctions_feed.spiders.framework.runner import without_scrapy

        remove_stale_crawls()
        self.out = Path(tempfile.mkdtemp(prefix=f"{CRAWL_PREFIX}{os.getpid()}-"))
        self.known = known or {}
        self.timeout = source_timeout + CRAWL_MARGIN if source_timeout else None
        self.now, self.archive = now, Path(archive).resolve() if archive is not None else None
        request = CrawlRequest(only=list(only), locations=dict(locations), samples=samples, now=now,
                               archive=str(self.archive) if self.archive else None, source_timeout=source_timeout,
                               known=self.known, replay=str(Path(replay).resolve()) if replay else None)
        (self.out / "request.json").write_text(request.model_dump_json(), encoding="utf-8")
        self.request = request
        # The child's log (or, in this process, the sources' own) goes to a file: a pipe nobody
        # reads while we wait could fill and stall it.
        self.stderr = (self.out / "stderr.log").open("w+", encoding="utf-8")
        self.direct = without_scrapy(request.only, request.locations, request.samples) if replay is None else None
        self.child: subprocess.Popen | None = None
        if self.direct is not None:
            return
        # -P: the working directory is not put on sys.path, so a stray `zipfile.py` there cannot
        # shadow the standard library; the child finds the package as installed.
        args = [sys.executable, "-P", "-m", RUNNER, str(self.out)]
        self.child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.stderr, text=True)

    def __enter__(self) -> Crawl:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.child is not None and self.child.poll() is None:  # we failed first: the crawl's output would go nowhere
            self.child.kill()
            self.child.wait()
        self.stderr.close()
        shutil.rmtree(self.out, ignore_errors=True)

    def results(self, show_progress: bool = False) -> list[SourceRun]:
        """Wait for the child (or run the sources here); every requested source's run, in the
        order they were requested."""
        if self.child is None:
            return self._read(self._run_here(show_progress))
        started = time.monotonic()
        while self.child.poll() is None:
            if self.timeout is not None and time.monotonic() - started > self.timeout:
                self.child.kill()
                self.child.wait()
                raise UpdateError(f"the crawl took more than its time limit ({self.timeout:g} s) and was "
                                  "stopped; every source keeps its last good data")
            if show_progress:
                progress_line(self.out)
            time.sleep(0.2)
        if show_progress:
            progress_line(self.out, done=True)
        report_path = self.out / "report.json"
        if self.child.returncode != 0 or not report_path.exists():
            self.stderr.seek(0)
            last = (self.stderr.read().strip().splitlines() or ["no output"])[-1]
            raise UpdateError(f"the crawler process failed (exit {self.child.returncode}): {last}")
        return self._read(json.loads(report_path.read_text()))

    def _run_here(self, show_progress: bool = False) -> dict:
        from sanctions_feed.spiders.framework.runner import run

        assert self.direct is not None
        report = run(self.out, self.direct, self.request, log=self.out / "stderr.log",
                     waiting=(lambda: progress_line(self.out)) if show_progress else None)
        if show_progress:
            progress_line(self.out, done=True)
        return report

    def _read(self, report: dict) -> list[SourceRun]:
        if "error" in report:
            raise UpdateError(report["error"])
        runs = [read_run(self.out, name, outcome, self.known.get(name)) for name, outcome in report.items()]
        for run in runs:
            if run.traceback and run.error and self.archive is not None:
                run.error += f" (traceback kept in {self.keep_log(run)})"
        return runs

    def keep_log(self, run: SourceRun) -> Path:
        """The failed source's traceback and the crawler's whole log, kept beside the raw inputs
        (the crawl's own directory is removed when the update ends)."""
        assert self.archive is not None
        folder = self.archive / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.now:%Y%m%dT%H%M%SZ}-{run.name}-{os.getpid()}.log"
        self.stderr.seek(0)
        path.write_text(f"{run.error}\n\n{run.traceback}\n--- the crawler's log ---\n{self.stderr.read()}",
                        encoding="utf-8")
        return path


CRAWL_PREFIX = "sanctions-feed-crawl-"


def remove_stale_crawls(folder: Path | None = None) -> list[Path]:
    """Remove the temporary directories of crawls whose update process is gone (killed before
    it could clean up). Each is named after the pid of the update that made it."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{CRAWL_PREFIX}*"):
        pid = path.name[len(CRAWL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def progress_line(out: Path, done: bool = False) -> None:
    """One line on the terminal: how far each long download is (from the crawler's notes)."""
    parts = []
    for path in sorted(out.glob("*.progress")):
        try:
            note = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        total = f"/{note['total'] / 1e6:.1f}" if note.get("total") else ""
        parts.append(f"{path.stem}: {note['phase']} {note['done'] / 1e6:.1f}{total} MB")
    if parts or done:
        sys.stderr.write("\r\033[K" + ("; ".join(parts) if not done else ""))
        sys.stderr.flush()


def read_run(out_dir: Path, name: str, outcome: dict, known: dict | None = None) -> SourceRun:
    """A spider's JSON-lines output as a SourceRun. A source whose input has the sha256 of its last
    good run (`known`) is unchanged, whether the spider found it out before parsing or not."""
    from sanctions_feed.schemas.source import RawListing, Rejected, SourceSnapshot

    run = SourceRun(name=name, meta=outcome["meta"], error=outcome["error"],
                    warnings=outcome.get("warnings", []), unconsumed=outcome.get("unconsumed", []),
                    traceback=outcome.get("traceback"),
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
                elif "unchanged" in item:
                    run.unchanged, run.signals = item["unchanged"]["reason"], item["unchanged"]["signals"]
    if run.error is not None:
        run.unchanged = None
    elif run.snapshot is not None:
        run.signals = run.snapshot.signals
        if known and known.get("sha256") == run.snapshot.sha256:
            run.unchanged = "the same sha256 as the last good input"
    elif run.unchanged is None:
        run.error = f"{name}: the source produced no data"
    return run



def known_inputs(feeds: Path) -> dict[str, dict]:
    """What each source's last good run read (sha256 and change signals), for the change check.
    Read from index.json, not the store: the crawl starts before the store is opened. A run made
    by other parsing code does not count: after an upgrade every source is read again."""
    try:
        index = json.loads((Path(feeds) / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(index, dict) or not all(isinstance(s, dict) for s in index.get("sources", [])):
        return {}  # not a feed index: every source is read in full, and repair rebuilds the index
    code = code_fingerprint()
    return {source["name"]: {"sha256": source["sha256"], "signals": source.get("signals") or {}}
            for source in index.get("sources", [])
            if source.get("sha256") and (source.get("signals") or {}).get("code") == code}


@functools.cache
def code_fingerprint() -> str:
    """A hash of the code that turns a source's bytes into listings (spiders, normalize, schemas,
    and the reviewed registries): the same bytes read by other code may give other listings."""
    from importlib.util import find_spec

    digest = hashlib.sha256()
    for package in ("sanctions_feed.spiders", "sanctions_feed.normalize", "sanctions_feed.schemas"):
        spec = find_spec(package)
        root = Path(next(iter(spec.submodule_search_locations or []))) if spec else None
        if root is None:
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".json")
                           and "samples" not in p.relative_to(root).parts):
            digest.update(f"{package}/{path.relative_to(root).as_posix()}\n".encode())
            digest.update(path.read_bytes())
    listings = Path(__file__).with_name("normalizing.py")
    digest.update(listings.read_bytes())
    return digest.hexdigest()[:16]
