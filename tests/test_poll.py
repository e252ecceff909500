"""A poll that costs a request: the scheduler asks a source's change signal in its own process and
starts no update when the source is unchanged; anything else is left to the update."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from sanctions_feed.errors import default_db_url
from sanctions_feed.ops import scheduler
from sanctions_feed.ops.poll import poll

from .test_change_checks import run, sample, site  # noqa: F401 (the fixture)

UK_PATH = "/docs/UK-Sanctions-List.xml"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
"""The scheduler polls on the real clock: the feed is published now, so its signal is still trusted."""


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def published_uk(tmp_path, site):  # noqa: F811
    site.files[UK_PATH] = sample("gb_fcdo")
    feeds, location = tmp_path / "feeds", f"{site.base}{UK_PATH}"
    result = run(feeds, "--only", "gb_fcdo", "--source", f"gb_fcdo={location}", now=stamp(NOW - timedelta(minutes=5)))
    assert result.output.startswith("published "), result.output
    site.requests.clear()
    return feeds, location


def uk_status(feeds) -> dict:
    index = json.loads((feeds / "index.json").read_text())
    return next(s for s in index["sources"] if s["name"] == "gb_fcdo") | {"releases": len(index["versions"])}


@pytest.mark.e2e  # the update reads the source over HTTP: the real crawler child
def test_an_unchanged_source_is_checked_with_one_request_and_recorded_without_an_update(published_uk, site):  # noqa: F811
    feeds, location = published_uk
    before = uk_status(feeds)
    reason = poll("gb_fcdo", feeds, default_db_url(feeds), location)
    assert reason and reason.startswith("the publisher's change signal is the same: Last-Modified")
    assert [(method, path) for method, path, _ in site.requests] == [("HEAD", UK_PATH)]
    after = uk_status(feeds)
    assert after["last_checked"] > before["last_checked"] and after["releases"] == before["releases"]
    assert after["last_changed"] == before["last_changed"] and after["sha256"] == before["sha256"]
    # the store recorded it too: the next update sees the same state
    again = run(feeds, "--only", "gb_fcdo", "--source", f"gb_fcdo={location}", now=stamp(NOW + timedelta(minutes=5)))
    assert "gb_fcdo: unchanged (the publisher's change signal is the same" in again.output


@pytest.mark.e2e  # the update reads the source over HTTP: the real crawler child
def test_a_new_signal_is_left_to_the_update_and_nothing_is_recorded(published_uk, site):  # noqa: F811
    feeds, location = published_uk
    before = uk_status(feeds)
    site.files[UK_PATH] = sample("gb_fcdo") + b"\n<!-- a new publication -->\n"  # a new length
    assert poll("gb_fcdo", feeds, default_db_url(feeds), location) is None
    assert uk_status(feeds) == before


@pytest.mark.parametrize("name", ["jp_mof", "il_nbctf", "us_fbi"], ids=lambda n: f"{n}: no one-file signal")
def test_a_source_without_a_one_file_signal_is_left_to_the_update(tmp_path, name):
    assert poll(name, tmp_path / "feeds", default_db_url(tmp_path / "feeds"), None) is None


def test_a_source_never_read_is_left_to_the_update_without_a_request(tmp_path, site):  # noqa: F811
    site.files[UK_PATH] = sample("gb_fcdo")
    assert poll("gb_fcdo", tmp_path / "feeds", default_db_url(tmp_path / "feeds"), f"{site.base}{UK_PATH}") is None
    assert site.requests == []


@pytest.mark.e2e  # the update reads the source over HTTP: the real crawler child
def test_a_check_that_fails_is_left_to_the_update(published_uk, monkeypatch, caplog):
    feeds, location = published_uk
    monkeypatch.setattr("sanctions_feed.ops.poll.record_check", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    assert poll("gb_fcdo", feeds, default_db_url(feeds), location) is None
    assert "the scheduler's change check failed (OSError: disk full)" in caplog.text


@pytest.mark.e2e  # the update reads the source over HTTP: the real crawler child
def test_the_scheduler_starts_no_update_process_for_an_unchanged_source(published_uk, monkeypatch):
    feeds, location = published_uk
    monkeypatch.setattr(scheduler, "SETTINGS", scheduler.RunSettings(feeds=str(feeds), locations={"gb_fcdo": location}))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("an update process was started"))
    assert scheduler.run_source("gb_fcdo") == 0
