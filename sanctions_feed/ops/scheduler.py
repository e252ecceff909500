"""The scheduler: one process, one APScheduler 3.x job per source, each run a fresh `update`.

Jobs live in their own SQLite job store beside the feed (FlexGet's habit: a separate file keeps
the job store's locks away from the feed store). A job holds only its source's name: the feed
directory, the store URL (credentials) and the replay locations are the scheduler process's own
settings, handed to each run through its environment, never pickled into the job store or shown
on a command line. Runs go one at a time (one update of a feed at a time anyway), each with a
time limit. One scheduler is active per feed: a second one waits as a standby (see `leadership`).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

logger = logging.getLogger(__name__)

# A run missed while the scheduler was down is made up once, if it is less than a day late.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 60 * 60}
RUN_MARGIN = 300.0
"""Seconds a scheduled update may take beyond its sources' time limit (store, publish)."""
_INTERVAL = re.compile(r"every\s+(\d+)\s*(s|m|h)", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600}


def job_store_url(feeds: Path) -> str:
    return f"sqlite:///{Path(feeds).resolve()}.jobs.db"


def trigger(cadence: str):
    """A cadence: a cron expression (5 fields, UTC) or an interval, `every 90s`, `every 5m`, `every 1h`."""
    interval = _INTERVAL.fullmatch(cadence.strip())
    if interval:
        return IntervalTrigger(seconds=int(interval.group(1)) * _UNITS[interval.group(2).lower()], timezone="UTC")
    try:
        return CronTrigger.from_crontab(cadence, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"{cadence!r} is neither a cron expression nor `every N[s|m|h]` ({exc})") from None


@dataclass
class RunSettings:
    """How this scheduler process runs each update: set once when it starts, never pickled."""

    feeds: str
    db: str | None = None
    locations: dict[str, str] = field(default_factory=dict)
    source_timeout: float = 1800.0
    log_level: str = "INFO"
    config: str | None = None
    """The configuration file each run reads too (its bounds, its enabled sources)."""
    running: dict[str, subprocess.Popen] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


SETTINGS: RunSettings | None = None


def run_source(name: str) -> int:
    """Job target: `update --only NAME` in a new process (Scrapy's reactor runs once per process),
    in a session of its own (a Ctrl-C at the terminal is the scheduler's to handle), with the
    store URL in its environment and a time limit."""
    settings = SETTINGS
    if settings is None:
        raise RuntimeError("run_source called outside a running scheduler")
    from sanctions_feed.errors import default_db_url
    from sanctions_feed.ops.poll import poll

    feeds = Path(settings.feeds)
    reason = poll(name, feeds, settings.db or default_db_url(feeds), settings.locations.get(name))
    if reason is not None:
        logger.info("%s: unchanged (%s): checked in the scheduler, no update started", name, reason)
        return 0
    command = [sys.executable, "-P", "-m", "sanctions_feed", "--log-level", settings.log_level,
               "update", "--only", name, "--feeds", settings.feeds]
    if name in settings.locations:
        command += ["--source", f"{name}={settings.locations[name]}"]
    env = {**os.environ, "SANCTIONS_FEED_SOURCE_TIMEOUT": f"{settings.source_timeout:g}"}
    if settings.db:
        env["SANCTIONS_FEED_DB"] = settings.db
    if settings.config:
        env["SANCTIONS_FEED_CONFIG"] = settings.config
    logger.info("update of %s started", name)
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                             start_new_session=True)
    with settings.lock:
        settings.running[name] = child
    try:
        stdout, stderr = child.communicate(timeout=settings.source_timeout + RUN_MARGIN)
    except subprocess.TimeoutExpired:
        stop(child)
        logger.error("update of %s took more than %g s and was stopped; it keeps its last good data",
                     name, settings.source_timeout + RUN_MARGIN)
        return 124
    finally:
        with settings.lock:
            settings.running.pop(name, None)
    errors = (stderr or "").strip().splitlines()
    output = (stdout or "").strip().splitlines()
    summary = output[-1] if output else (errors.pop() if errors else "")  # a failed update says why on stderr
    for line in errors:
        logger.warning("%s: %s", name, line)
    level = logging.INFO if child.returncode == 0 else logging.ERROR
    logger.log(level, "update of %s exited %s: %s", name, child.returncode, summary)
    return child.returncode


def stop(child: subprocess.Popen, grace: float = 30.0) -> None:
    """Ask an update to stop (SIGTERM: it cleans up and publishes nothing half-done), then kill it."""
    if child.poll() is not None:
        return
    os.killpg(child.pid, signal.SIGTERM)
    try:
        child.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()


def reconcile(scheduler: BaseScheduler, cadences: dict[str, str], active: set[str]) -> list[str]:
    """Make the job store hold exactly one job per source, on its cadence: a job whose cadence is
    unchanged is kept as it is (so a run missed while the scheduler was down is still made up),
    sources not in `active` are paused, not deleted. Returns the ids of the jobs removed
    (sources no longer declared)."""
    for name, cadence in cadences.items():
        wanted = trigger(cadence)
        job = scheduler.get_job(name)
        if job is None or str(job.trigger) != str(wanted) or tuple(job.args) != (name,):
            job = scheduler.add_job(run_source, wanted, id=name, name=f"update {name}", args=[name],
                                    replace_existing=True)
        if name in active and job.next_run_time is None:
            scheduler.resume_job(name)
        elif name not in active and job.next_run_time is not None:
            scheduler.pause_job(name)
    stale = [job.id for job in scheduler.get_jobs() if job.id not in cadences]
    for job_id in stale:
        scheduler.remove_job(job_id)
    return stale


def configure(scheduler: BaseScheduler, feeds: Path) -> BaseScheduler:
    from apscheduler.executors.pool import ThreadPoolExecutor

    scheduler.configure(jobstores={"default": SQLAlchemyJobStore(url=job_store_url(feeds))},
                        executors={"default": ThreadPoolExecutor(1)},  # one update at a time
                        job_defaults=JOB_DEFAULTS, timezone="UTC")
    return scheduler


def stored_jobs(feeds: Path) -> list | None:
    """The jobs in the job store, read without writing anything (None: there is no job store)."""
    path = Path(f"{Path(feeds).resolve()}.jobs.db")
    if not path.exists():
        return None
    from apscheduler.schedulers.background import BackgroundScheduler

    store = SQLAlchemyJobStore(url=f"sqlite:///file:{path}?mode=ro&uri=true")
    store.start(BackgroundScheduler(timezone="UTC"), "default")
    try:
        return store.get_all_jobs()
    finally:
        store.shutdown()


def job_lines(feeds: Path, plan: dict[str, str]) -> list[str]:
    """`schedule --list`: each source's job as the job store holds it (read only), then stale jobs."""
    jobs = {job.id: job for job in stored_jobs(feeds) or []}
    lines = []
    for name, cadence in plan.items():
        job = jobs.pop(name, None)
        lines.append(f"{name}: {cadence} (no job yet: the scheduler has not run with it)" if job is None
                     else f"{name}: {job.trigger} next {job.next_run_time or 'never (paused)'}")
    return lines + [f"{job_id}: stale job (no such source; removed when the scheduler starts)" for job_id in sorted(jobs)]


def run_forever(plan: dict[str, str], active: set[str], settings: RunSettings) -> None:
    """Be the active scheduler (or wait as the standby) and run the jobs until SIGTERM or SIGINT:
    the first stops it after the run in progress, a second stops that run too."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from sanctions_feed.ops.locks import leadership
    from sanctions_feed.pipeline.crawl import remove_stale_crawls

    global SETTINGS
    stopping = threading.Event()
    received: list[int] = []

    def on_signal(signum, _frame):
        received.append(signum)
        if len(received) == 1:
            logger.info("%s: stopping after the run in progress (send it again to stop that run too)",
                        signal.Signals(signum).name)
        elif SETTINGS is not None:
            with SETTINGS.lock:
                for name, child in SETTINGS.running.items():
                    logger.info("stopping the update of %s now", name)
                    os.killpg(child.pid, signal.SIGTERM)
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    feeds = Path(settings.feeds)
    with leadership(feeds, settings.db or ""):
        if stopping.is_set():
            return
        for path in remove_stale_crawls():
            logger.info("removed the temporary directory of a killed update: %s", path)
        SETTINGS = settings
        scheduler = configure(BackgroundScheduler(), feeds)
        scheduler.start(paused=True)  # reconcile the stored jobs before anything can fire
        for job_id in reconcile(scheduler, plan, active):
            logger.info("removed the stale job %s", job_id)
        for job in sorted(scheduler.get_jobs(), key=lambda j: j.id):
            logger.info("job %s: %s, next run %s", job.id, job.trigger, job.next_run_time or "never (paused)")
        scheduler.resume()
        logger.info("scheduler running for %s; stop with SIGTERM or Ctrl-C", feeds)
        while not stopping.wait(1.0):
            pass
        scheduler.shutdown(wait=True)  # the run in progress ends first
        logger.info("scheduler stopped")
