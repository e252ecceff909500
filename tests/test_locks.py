"""One update per store and one active scheduler, across hosts: with PostgreSQL the lock is the
database's (an advisory lock), not a file beside one host's feed directory. Two hosts are played
by two feed directories on the same store."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from sanctions_feed.ops.locks import UPDATE, _advisory_lock

from .servers import EXPORTS
from .stores import new_store
from .test_scheduler import latest
from .test_stores import run

pytestmark = pytest.mark.e2e  # the real crawler child, processes and servers


def test_an_update_is_refused_while_another_host_holds_the_store(tmp_path, request):
    db = new_store("postgresql", tmp_path, request)
    with _advisory_lock(db, UPDATE, wait=False) as held:
        assert held
        refused = run(tmp_path / "feeds", db, "--samples", "--only", "fr_tresor")
        assert refused.exit_code == 1
        assert "another update of this feed is running (pid " in refused.output
    assert run(tmp_path / "feeds", db, "--samples", "--only", "fr_tresor").exit_code == 0


def test_two_updates_of_one_store_never_both_publish(tmp_path, request, ofac_service):
    db = new_store("postgresql", tmp_path, request)
    ofac_service.delay = 3.0
    env = {**os.environ, "SANCTIONS_FEED_DB": db}

    def update(feeds, *args):
        return subprocess.Popen([sys.executable, "-m", "sanctions_feed", "update", "--feeds", str(feeds),
                                 "--only", "ofac_sdn", *args], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    first = update(tmp_path / "host-a", "--source", f"ofac_sdn={ofac_service.base}{EXPORTS}SDN_ADVANCED.ZIP")
    deadline = time.monotonic() + 60
    while not any(path.startswith("/signed/") for path, _ in ofac_service.requests):  # A is mid-download
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.05)
    second = update(tmp_path / "host-b", "--samples")
    out_b, _ = second.communicate(timeout=60)
    out_a, _ = first.communicate(timeout=60)
    assert first.returncode == 0 and out_a.startswith("published "), out_a
    assert second.returncode == 1 and "another update of this feed is running" in out_b, out_b
    assert latest(tmp_path / "host-a") and not (tmp_path / "host-b" / "v").exists()


def test_a_scheduler_on_another_host_waits_as_a_standby(tmp_path, request, schedulers):
    db = new_store("postgresql", tmp_path, request)
    args = ("--only", "fr_tresor", "--cadence", "fr_tresor=every 1h")
    active = schedulers(tmp_path / "host-a", *args, db=db)
    active.wait_for(lambda: any("scheduler running" in line for line in active.lines()), what="the first scheduler")
    standby = schedulers(tmp_path / "host-b", *args, db=db)
    standby.wait_for(lambda: any("waiting as a standby" in line for line in standby.lines()), what="the standby")
    active.process.kill()  # the host dies: its connection, and the lock, go with it
    standby.wait_for(lambda: any("scheduler running" in line for line in standby.lines()), what="the take-over")
    assert standby.stop() == 0

