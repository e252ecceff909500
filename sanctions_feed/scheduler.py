"""The scheduler: one process, one APScheduler 3.x job per source, each run a fresh process.

Jobs live in their own SQLite job store beside the feed (FlexGet's habit: a separate file keeps
the job store's locks away from the feed store). Run exactly one scheduler process: APScheduler's
job store cannot be shared between processes.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

logger = logging.getLogger(__name__)

# A run missed while the scheduler was down is made up once, if it is less than a day late.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 60 * 60}


def job_store_url(feeds: Path) -> str:
    return f"sqlite:///{Path(feeds).resolve()}.jobs.db"


def run_source(name: str, feeds: str, db: str) -> int:
    """Job target: one `update --only NAME` in a new process (Scrapy's reactor runs once)."""
    command = [sys.executable, "-P", "-m", "sanctions_feed", "update", "--only", name, "--feeds", feeds, "--db", db]
    result = subprocess.run(command, capture_output=True, text=True)
    output = (result.stdout or result.stderr).strip().splitlines()
    level = logging.INFO if result.returncode == 0 else logging.ERROR
    logger.log(level, "scheduled update of %s exited %s: %s", name, result.returncode, output[-1] if output else "")
    return result.returncode


def reconcile(scheduler: BaseScheduler, schedules: dict[str, str], feeds: Path, db: str) -> list[str]:
    """Make the job store hold exactly one job per source, on its declared cron schedule.
    Returns the ids of the jobs removed (sources no longer declared)."""
    for name, cron in schedules.items():
        scheduler.add_job(run_source, CronTrigger.from_crontab(cron, timezone="UTC"), id=name,
                          name=f"update {name}", args=[name, str(feeds), db], replace_existing=True)
    stale = [job.id for job in scheduler.get_jobs() if job.id not in schedules]
    for job_id in stale:
        scheduler.remove_job(job_id)
    return stale


def configure(scheduler: BaseScheduler, feeds: Path) -> BaseScheduler:
    scheduler.configure(jobstores={"default": SQLAlchemyJobStore(url=job_store_url(feeds))},
                        job_defaults=JOB_DEFAULTS, timezone="UTC")
    return scheduler
