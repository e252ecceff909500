"""The scheduler's job store: one job per source, stable ids, stale jobs removed."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from sanctions_feed.cli import cli
from sanctions_feed.scheduler import JOB_DEFAULTS, configure, reconcile, run_source


def _scheduler(feeds):
    scheduler = configure(BackgroundScheduler(), feeds)
    scheduler.start(paused=True)
    return scheduler


def test_reconcile_is_idempotent_and_removes_stale_jobs(tmp_path):
    feeds = tmp_path / "feeds"
    first = _scheduler(feeds)
    reconcile(first, {"ofac_sdn": "15 */6 * * *", "il_nbctf": "30 5 * * *"}, feeds, "sqlite:///x.db")
    first.shutdown(wait=False)
    # A restart with the same declarations: still one job each (stable ids, replace_existing).
    again = _scheduler(feeds)
    removed = reconcile(again, {"ofac_sdn": "15 */6 * * *", "il_nbctf": "30 5 * * *"}, feeds, "sqlite:///x.db")
    assert removed == [] and sorted(j.id for j in again.get_jobs()) == ["il_nbctf", "ofac_sdn"]
    again.shutdown(wait=False)
    # A source dropped from the declarations loses its job.
    last = _scheduler(feeds)
    assert reconcile(last, {"ofac_sdn": "0 * * * *"}, feeds, "sqlite:///x.db") == ["il_nbctf"]
    (job,) = last.get_jobs()
    assert job.func is run_source and list(job.args) == ["ofac_sdn", str(feeds), "sqlite:///x.db"]
    assert str(job.trigger) == "cron[month='*', day='*', day_of_week='*', hour='*', minute='0']"
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (
        JOB_DEFAULTS["coalesce"], JOB_DEFAULTS["max_instances"], JOB_DEFAULTS["misfire_grace_time"])
    last.shutdown(wait=False)


def test_schedule_list_command(tmp_path):
    result = CliRunner().invoke(cli, ["schedule", "--list", "--feeds", str(tmp_path / "feeds")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("eu_fsf: cron[")
    assert (tmp_path / "feeds.jobs.db").exists()
