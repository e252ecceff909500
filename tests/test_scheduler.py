"""The scheduler: one job per source that survives restarts, a list that only reads, runs that
reach a release within one poll of a change, stop cleanly on SIGTERM, time out when a source
hangs, and one active scheduler per feed (a second waits as a standby)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.ops.scheduler import JOB_DEFAULTS, configure, reconcile, run_source, trigger
from sanctions_feed.spiders import load_sources

from .servers import EXPORTS, zipped

pytestmark = pytest.mark.e2e  # the real crawler child, processes and servers

INTERVAL = 2  # seconds between polls in the tests that run the scheduler


def _scheduler(feeds):
    scheduler = configure(BackgroundScheduler(), feeds)
    scheduler.start(paused=True)
    return scheduler


def test_a_restart_keeps_one_job_per_source_and_its_next_run(tmp_path):
    feeds = tmp_path / "feeds"
    # Cadences that cannot come due while the test runs (a job that fires would move its next run).
    cadences = {"ofac_sdn": "0 3 1 1 *", "il_nbctf": "24 4 1 1 *"}
    first = _scheduler(feeds)
    reconcile(first, cadences, set(cadences))
    planned = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown(wait=False)
    # A restart with the same declarations: the same jobs, their next runs untouched (a run missed
    # while the scheduler was down is still due, and made up once).
    again = _scheduler(feeds)
    assert reconcile(again, cadences, set(cadences)) == []
    assert {job.id: job.next_run_time for job in again.get_jobs()} == planned
    again.shutdown(wait=False)
    # A source dropped from the declarations loses its job; one left out of --only is paused.
    last = _scheduler(feeds)
    assert reconcile(last, {"ofac_sdn": "every 90s", "eu_fsf": "2-59/20 * * * *"}, {"ofac_sdn"}) == ["il_nbctf"]
    jobs = {job.id: job for job in last.get_jobs()}
    assert set(jobs) == {"ofac_sdn", "eu_fsf"} and jobs["eu_fsf"].next_run_time is None
    ofac = jobs["ofac_sdn"]
    assert ofac.func is run_source and list(ofac.args) == ["ofac_sdn"] and str(ofac.trigger) == "interval[0:01:30]"
    assert (ofac.coalesce, ofac.max_instances, ofac.misfire_grace_time) == (
        JOB_DEFAULTS["coalesce"], JOB_DEFAULTS["max_instances"], JOB_DEFAULTS["misfire_grace_time"])
    last.shutdown(wait=False)


def test_cadences_are_cron_or_intervals():
    assert str(trigger("every 5m")) == "interval[0:05:00]" and str(trigger("every 2s")) == "interval[0:00:02]"
    assert "minute='*/5'" in str(trigger("*/5 * * * *"))
    with pytest.raises(ValueError, match="neither a cron expression nor"):
        trigger("hourly")


def test_schedule_list_reads_only(tmp_path):
    feeds = tmp_path / "feeds"
    result = CliRunner().invoke(cli, ["schedule", "--list", "--feeds", str(feeds)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "eu_fsf: 2-59/20 * * * * (no job yet: the scheduler has not run with it)"
    assert not list(tmp_path.iterdir())  # no job store, no lock, nothing
    scheduler = _scheduler(feeds)
    reconcile(scheduler, {"eu_fsf": "2-59/20 * * * *", "gone": "0 * * * *"}, {"eu_fsf"})
    scheduler.shutdown(wait=False)
    store = tmp_path / "feeds.jobs.db"
    before = store.read_bytes()
    listed = CliRunner().invoke(cli, ["schedule", "--list", "--feeds", str(feeds)]).output.splitlines()
    assert listed[0].startswith("eu_fsf: cron[") and " next 20" in listed[0]
    assert listed[-1] == "gone: stale job (no such source; removed when the scheduler starts)"
    assert store.read_bytes() == before


def test_a_bad_cadence_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["schedule", "--feeds", str(tmp_path / "f"), "--cadence", "ofac_sdn=hourly"])
    assert result.exit_code == 2 and "ofac_sdn: 'hourly' is neither a cron expression" in result.output


# The scheduler as an operator runs it (a process of its own), polling loopback servers.

def latest(feeds: Path) -> str | None:
    index = feeds / "index.json"
    return json.loads(index.read_text()).get("latest") if index.exists() else None


def assert_whole_releases(feeds: Path) -> None:
    """Every release on disk is complete (each file its manifest names, with its sha256), nothing
    half-written is left, and `latest` and index.json agree."""
    assert not [p.name for p in feeds.iterdir() if p.name.startswith(".tmp")]
    for release in (feeds / "v").iterdir():
        manifest = json.loads((release / "manifest.json").read_text())
        for name, entry in manifest["files"].items():
            assert hashlib.sha256((release / name).read_bytes()).hexdigest() == entry["sha256"], (release, name)
    assert os.readlink(feeds / "latest").endswith(latest(feeds))


def ofac_args(service, cadence=f"every {INTERVAL}s"):
    return ("--only", "ofac_sdn", "--cadence", f"ofac_sdn={cadence}",
            "--source", f"ofac_sdn={service.base}{EXPORTS}SDN_ADVANCED.ZIP")


def changed_list() -> bytes:
    xml = load_sources()["ofac_sdn"].sample_path().read_bytes()
    return zipped(xml.replace(b"TEcuHDQthTmULe8fFLUccBPpjfXaTmJuuD", b"TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"))


def test_a_change_reaches_a_release_within_one_poll_and_unchanged_polls_cost_one_request(
        tmp_path, ofac_service, schedulers):
    feeds = tmp_path / "feeds"
    scheduler = schedulers(feeds, *ofac_args(ofac_service))
    scheduler.wait_for(lambda: latest(feeds), what="the first release")
    first = latest(feeds)
    # Unchanged polls: one small request each (the publication list), asked in the scheduler
    # itself: no update process starts.
    def unchanged() -> int:
        return sum("checked in the scheduler, no update started" in line for line in scheduler.lines())

    scheduler.wait_for(lambda: unchanged() >= 1, what="an unchanged poll")
    polls, seen = unchanged(), len(ofac_service.requests)
    updates = sum("update of ofac_sdn started" in line for line in scheduler.lines())
    scheduler.wait_for(lambda: unchanged() >= polls + 2, what="two more unchanged polls")
    window = ofac_service.requests[seen:]
    done = unchanged() - polls
    assert all(path.startswith("/changes/history/") for path, _ in window), window
    assert done <= len(window) <= done + 1  # one request per poll (the next poll may have begun)
    assert sum("update of ofac_sdn started" in line for line in scheduler.lines()) == updates

    changed_at = time.monotonic()
    ofac_service.publish("SDN_ADVANCED.ZIP", changed_list(), 1002, "2026-11-25T13:00:00")
    released_at = scheduler.wait_for(lambda: latest(feeds) != first, what="the release of the change")
    delay = released_at - changed_at
    print(f"\nchange -> release: {delay:.1f} s (poll interval {INTERVAL} s)")
    assert delay <= INTERVAL + 20, delay  # one poll interval plus processing (a slow machine's)
    assert scheduler.stop() == 0
    assert_whole_releases(feeds)
    assert "scheduler stopped" in scheduler.lines()[-1]


def test_sigterm_in_a_run_lets_it_finish_and_leaves_whole_releases(tmp_path, ofac_service, schedulers):
    feeds = tmp_path / "feeds"
    ofac_service.delay = 3.0  # the download is slow: the signal comes in the middle of it
    scheduler = schedulers(feeds, *ofac_args(ofac_service, "every 1s"))
    scheduler.wait_for(lambda: any("update of ofac_sdn started" in line for line in scheduler.lines()), what="a run")
    time.sleep(1.0)
    assert scheduler.stop() == 0
    assert latest(feeds) is not None  # the run in progress finished and published
    assert_whole_releases(feeds)
    assert sum("update of ofac_sdn started" in line for line in scheduler.lines()) == 1  # and no new one began


def test_a_second_sigterm_stops_the_run_and_publishes_nothing(tmp_path, ofac_service, schedulers):
    feeds = tmp_path / "feeds"
    ofac_service.delay = 30.0
    scheduler = schedulers(feeds, *ofac_args(ofac_service, "every 1s"))
    scheduler.wait_for(lambda: any(path.startswith("/signed/") for path, _ in ofac_service.requests), what="a download")
    scheduler.process.send_signal(signal.SIGTERM)
    scheduler.wait_for(lambda: any("stopping after the run in progress" in line for line in scheduler.lines()),
                       what="the first signal")
    assert scheduler.stop(timeout=30) == 0
    assert latest(feeds) is None and not (feeds / "v").exists()
    assert any("stopped before the end: no partial release is visible" in line for line in scheduler.lines())
    assert list(scheduler.tmp.iterdir()) == []  # the run's crawl directory is gone


def test_a_hung_source_times_out_and_the_others_keep_running(tmp_path, ofac_service, schedulers):
    feeds = tmp_path / "feeds"
    ofac_service.delay = 600.0  # answers the headers, then nothing
    eu = load_sources()["eu_fsf"].sample_path()
    scheduler = schedulers(feeds, "--only", "ofac_sdn", "--only", "eu_fsf", "--timeout", "3",
                           "--cadence", "ofac_sdn=every 1s", "--cadence", "eu_fsf=every 1s",
                           "--source", f"ofac_sdn={ofac_service.base}{EXPORTS}SDN_ADVANCED.ZIP",
                           "--source", f"eu_fsf={eu}")
    scheduler.wait_for(lambda: latest(feeds), timeout=90, what="the release of the other source")
    scheduler.wait_for(lambda: any("update of ofac_sdn exited 1" in line for line in scheduler.lines()),
                       timeout=90, what="the hung source to time out")
    failed = next(line for line in scheduler.lines() if "update of ofac_sdn exited 1" in line)
    assert "ofac_sdn" in failed and ("time limit" in failed or "timed out" in failed), failed
    index = json.loads((feeds / "index.json").read_text())
    assert {s["name"]: s["status"] for s in index["sources"]}["eu_fsf"] == "ok"
    assert scheduler.stop() == 0


def test_a_second_scheduler_waits_as_a_standby_and_takes_over(tmp_path, schedulers):
    feeds = tmp_path / "feeds"
    fr = load_sources()["fr_tresor"].sample_path()
    args = ("--only", "fr_tresor", "--cadence", "fr_tresor=every 1h", "--source", f"fr_tresor={fr}")
    active = schedulers(feeds, *args)
    active.wait_for(lambda: any("scheduler running" in line for line in active.lines()), what="the first scheduler")
    standby = schedulers(feeds, *args)
    standby.wait_for(lambda: any("waiting as a standby" in line for line in standby.lines()), what="the standby")
    assert not any("scheduler running" in line for line in standby.lines())
    active.process.kill()  # dies without cleaning up: the lock goes with it
    standby.wait_for(lambda: any("scheduler running" in line for line in standby.lines()), what="the take-over")
    assert standby.stop() == 0


def test_no_store_url_is_kept_in_the_job_store(tmp_path, schedulers):
    feeds = tmp_path / "feeds"
    secret = f"sqlite:///{tmp_path}/s3cret-store.db"
    fr = load_sources()["fr_tresor"].sample_path()
    scheduler = schedulers(feeds, "--only", "fr_tresor", "--cadence", "fr_tresor=every 1h",
                           "--source", f"fr_tresor={fr}", db=secret)
    scheduler.wait_for(lambda: any("scheduler running" in line for line in scheduler.lines()), what="the scheduler")
    assert scheduler.stop() == 0
    with sqlite3.connect(tmp_path / "feeds.jobs.db") as connection:
        states = b"".join(row[0] for row in connection.execute("SELECT job_state FROM apscheduler_jobs"))
    assert b"s3cret" not in states and str(fr).encode() not in states
