"""A release, once published, is never lost, forked or turned into a trap (issue 20): one update
at a time from its first read to its last delivery, index.json derived from the releases and
never trusted over them, http(s) links only, deadlines on every delivery, and bounded inputs."""

from __future__ import annotations

import json
import os
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.errors import UpdateError
from sanctions_feed.pipeline.update import UpdateRequest, run_update
from sanctions_feed.publish import release as release_module
from sanctions_feed.publish import repair as repair_module
from sanctions_feed.spiders import load_sources

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .stores import new_store
from .test_stores import run

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- One update at a time, whole ------------------------------------------------------------


@pytest.mark.parametrize("phase", ["repair", "prepare"], ids=["after-its-crawl", "while-it-writes-its-release"])
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_second_update_is_refused_wherever_the_first_one_is(tmp_path, request, monkeypatch, kind, phase):
    """Before: the lock covered only the crawl; a second update published from the same parent
    (PostgreSQL) or failed late with "database is locked" (SQLite)."""
    db = new_store(kind, tmp_path, request)
    first_feeds = tmp_path / "host-a" / "feeds"
    # SQLite: one machine, one feed. PostgreSQL: two hosts, each with its feed, on one store.
    second_feeds = first_feeds if kind == "sqlite" else tmp_path / "host-b" / "feeds"
    reached, resume = threading.Event(), threading.Event()
    module = repair_module if phase == "repair" else release_module
    original = getattr(module, phase)

    def paused(*args, **kwargs):
        if threading.current_thread().name == "first":
            reached.set()
            resume.wait(120)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, phase, paused)
    outcome: dict = {}

    def first() -> None:
        try:
            outcome["result"] = run_update(UpdateRequest(first_feeds, db, NOW, only=("fr_tresor",), samples=True))
        except Exception as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=first, name="first")
    thread.start()
    try:
        assert reached.wait(120), outcome
        with pytest.raises(UpdateError, match=rf"another update of this feed is running \(pid {os.getpid()}, host "):
            run_update(UpdateRequest(second_feeds, db, NOW, only=("il_nbctf",), samples=True))
    finally:
        resume.set()
        thread.join(120)
    assert "error" not in outcome, outcome
    published = outcome["result"].version
    assert published is not None
    index = json.loads((first_feeds / "index.json").read_text())
    assert [v["id"] for v in index["versions"]] == [published] and index["latest"] == published
    assert os.readlink(first_feeds / "latest") == f"v/{published}"
    assert sorted(p.name for p in (first_feeds / "v").iterdir()) == [published]
    if second_feeds != first_feeds:
        assert not (second_feeds / "v").exists()
    verified = CliRunner().invoke(cli, ["verify", str(first_feeds)])
    assert "signature" in verified.output or "unsigned" in verified.output  # a whole release, read back


def test_a_second_update_waits_for_the_lock_when_asked(tmp_path):
    from sanctions_feed.ops.locks import update_lock

    feeds, db = tmp_path / "feeds", f"sqlite:///{tmp_path}/feeds.db"
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with update_lock(feeds, db):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(30)
    with pytest.raises(UpdateError, match=r"another update of this feed is running \(pid \d+, host "), \
            update_lock(feeds, db, wait=0.3):
        pass
    threading.Timer(0.5, release.set).start()
    with update_lock(feeds, db, wait=30):  # taken as soon as the first one ends
        assert not thread.is_alive() or release.is_set()
    thread.join(30)


def test_an_update_that_loses_its_store_lock_stops_before_it_publishes(tmp_path, request, monkeypatch):
    db = new_store("postgresql", tmp_path, request)
    postgres = request.getfixturevalue("postgres")
    reached, resume = threading.Event(), threading.Event()
    original = repair_module.repair

    def paused(*args, **kwargs):
        reached.set()
        resume.wait(120)
        return original(*args, **kwargs)

    monkeypatch.setattr(repair_module, "repair", paused)
    outcome: dict = {}
    feeds = tmp_path / "feeds"

    def first() -> None:
        try:
            outcome["result"] = run_update(UpdateRequest(feeds, db, NOW, only=("fr_tresor",), samples=True))
        except UpdateError as exc:
            outcome["error"] = str(exc)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert reached.wait(120)
        ended = postgres.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name "
                                 "LIKE %s", (f"sanctions-feed.update pid {os.getpid()},%",)).fetchall()
        assert ended == [(True,)]
    finally:
        resume.set()
        thread.join(120)
    assert "lost its PostgreSQL advisory lock" in outcome.get("error", ""), outcome
    assert not (feeds / "v").exists() or not any((feeds / "v").iterdir())


def test_a_standby_scheduler_never_runs_an_update_beside_a_dead_leaders(tmp_path, ofac_service, schedulers):
    """Before: after a `kill -9` of the leader, its running update kept publishing while the
    standby took over and started another."""
    from .servers import EXPORTS
    from .test_scheduler import assert_whole_releases

    feeds = tmp_path / "feeds"
    ofac_service.delay = 8.0  # the leader's update is mid-download when the leader dies
    args = ("--only", "ofac_sdn", "--cadence", "ofac_sdn=every 1s",
            "--source", f"ofac_sdn={ofac_service.base}{EXPORTS}SDN_ADVANCED.ZIP")
    leader = schedulers(feeds, *args)
    leader.wait_for(lambda: any(path.startswith("/signed/") for path, _ in ofac_service.requests), what="a download")
    standby = schedulers(feeds, *args)
    standby.wait_for(lambda: any("waiting as a standby" in line for line in standby.lines()), what="the standby")
    leader.process.kill()  # its update runs on, in a process of its own
    standby.wait_for(lambda: any("update of ofac_sdn exited" in line for line in standby.lines()),
                     timeout=90, what="the standby's first run")
    first = next(line for line in standby.lines() if "update of ofac_sdn exited" in line)
    assert "exited 1" in first and "another update of this feed is running" in first, first
    standby.wait_for(lambda: (feeds / "index.json").exists() and json.loads((feeds / "index.json").read_text())["latest"],
                     timeout=90, what="the dead leader's update to publish")
    assert standby.stop() == 0
    assert len(list((feeds / "v").iterdir())) == 1  # one release, from one update
    assert_whole_releases(feeds)


# --- Announced releases are permanent ------------------------------------------------------


@pytest.fixture(scope="module")
def three_releases(tmp_path_factory) -> Path:
    """A feed of three releases (OFAC replays), its store beside it."""
    root = tmp_path_factory.mktemp("three")
    feeds, source = root / "feeds", root / "sdn.xml"
    for day, parties in (("23", SAMPLE_PARTIES), ("24", SAMPLE_PARTIES[:3]), ("25", SAMPLE_PARTIES[1:])):
        source.write_bytes(sdn_advanced_xml(parties))
        result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", f"2026-11-{day}T12:00:00Z",
                                          "--only", "ofac_sdn", "--force", "--source", f"ofac_sdn={source}"])
        assert result.exit_code == 0 and result.output.startswith("published"), result.output
    return root


def _copy(root: Path, tmp_path: Path) -> Path:
    for name in ("feeds", "feeds.db", "feeds.raw"):
        if (root / name).is_dir():
            shutil.copytree(root / name, tmp_path / name, symlinks=True)
        else:
            shutil.copy2(root / name, tmp_path / name)
    return tmp_path / "feeds"


@pytest.mark.parametrize("fault", ["deleted", "one behind", "two behind", "not JSON"])
def test_index_json_deleted_or_put_back_never_loses_a_release(three_releases, tmp_path, fault):
    """Before: with index.json deleted every release was removed and a new "first" one began;
    with an index two releases old, the two newest were removed without a word."""
    feeds = _copy(three_releases, tmp_path)
    index = json.loads((feeds / "index.json").read_text())
    ids = [v["id"] for v in index["versions"]]
    releases = _tree(feeds / "v")
    if fault == "deleted":
        (feeds / "index.json").unlink()
    elif fault == "not JSON":
        (feeds / "index.json").write_text("{")
    else:
        keep = 2 if fault == "one behind" else 1
        (feeds / "index.json").write_text(json.dumps({**index, "latest": ids[keep - 1], "versions": index["versions"][:keep]}))
    result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", "2026-11-26T12:00:00Z",
                                      "--only", "ofac_sdn", "--source", f"ofac_sdn={tmp_path / 'missing.xml'}"])
    assert _tree(feeds / "v") == releases  # byte-identical: nothing removed, nothing rewritten
    assert "feed repaired: " in result.output and "removed 2026" not in result.output, result.output
    repaired = json.loads((feeds / "index.json").read_text())
    assert [v["id"] for v in repaired["versions"]] == ids and repaired["latest"] == ids[-1]
    assert [v["previous"] for v in repaired["versions"]] == [None, *ids[:-1]]
    assert os.readlink(feeds / "latest") == f"v/{ids[-1]}"
    assert (feeds / "site" / "releases" / f"{ids[-1]}.html").is_file()


def test_a_release_named_by_another_or_with_a_site_page_is_never_removed(three_releases, tmp_path):
    """Only a release that is provably a killed run's is removed; one the store does not know
    (a store put back from a backup) but that a later release names, or the site shows, stays."""
    from sqlmodel import Session

    from sanctions_feed.pipeline.store import open_store, published_release, release_ids
    from sanctions_feed.publish.repair import repair

    feeds = _copy(three_releases, tmp_path)
    index = json.loads((feeds / "index.json").read_text())
    ids = [v["id"] for v in index["versions"]]
    (feeds / "index.json").write_text(json.dumps({**index, "latest": ids[0], "versions": index["versions"][:1]}))
    releases = _tree(feeds / "v")
    with Session(open_store(f"sqlite:///{tmp_path}/feeds.db")) as session:
        known, committed = release_ids(session), published_release(session)
    # As a store two releases behind would see it: only the first release, committed.
    done = repair(feeds, {ids[0]}, ids[0])
    assert _tree(feeds / "v") == releases, done
    assert not any(line.startswith("removed 2026") for line in done), done
    assert known == set(ids) and committed == ids[-1]


NEWER, FORK = "20261125T180000Z", "20261124T180000Z"  # after every release; between the last two


@pytest.mark.parametrize("orphan, setup, outcome", [
    pytest.param(NEWER, None, "removed", id="newer than the store's release, unknown to all: a killed run's, removed"),
    pytest.param(NEWER, "site page", "listed", id="a page on the site: it was announced"),
    pytest.param(NEWER, "latest link", "listed", id="latest points at it: it was announced"),
    pytest.param(NEWER, "store", "listed", id="the store recorded it"),
    pytest.param(NEWER, "empty store", "listed", id="a store that knows no release: listed, trusting v/"),
    pytest.param(NEWER, "store behind", "kept", id="a store behind index.json proves nothing"),
    pytest.param(NEWER, "no manifest", "kept", id="no manifest: not a release, kept"),
    pytest.param(FORK, None, "kept", id="older than the store's release: a fork, kept"),
])
def test_repair_removes_a_release_only_when_it_is_provably_a_killed_runs(three_releases, tmp_path, orphan,
                                                                           setup, outcome):
    """Removed only when provable; listed again when announced (or nothing can be known); else kept unlisted."""
    from sanctions_feed.publish.repair import repair

    feeds = _copy(three_releases, tmp_path)
    ids = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    shutil.copytree(feeds / "v" / ids[-1], feeds / "v" / orphan)
    store, committed = set(ids), ids[-1]
    if setup == "site page":
        (feeds / "site" / "releases" / f"{orphan}.html").write_text("<!doctype html>")
    elif setup == "latest link":
        (feeds / "latest").unlink()
        (feeds / "latest").symlink_to(f"v/{orphan}")
    elif setup == "store":
        store |= {orphan}
    elif setup == "empty store":
        store, committed = set(), None
    elif setup == "store behind":
        committed = ids[-2]
    elif setup == "no manifest":
        (feeds / "v" / orphan / "manifest.json").unlink()
    others = {name: data for name, data in _tree(feeds / "v").items() if not name.startswith(orphan)}
    done = repair(feeds, store, committed)
    listed = {v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]}
    assert (feeds / "v" / orphan).exists() is (outcome != "removed"), done
    assert any(line.startswith(f"removed {orphan}") for line in done) is (outcome == "removed")
    assert (orphan in listed) is (outcome == "listed"), done
    assert any(line.startswith(f"kept {orphan}") for line in done) is (outcome == "kept")
    assert {name: data for name, data in _tree(feeds / "v").items() if not name.startswith(orphan)} == others


def test_a_killed_runs_release_is_removed_and_printed_when_the_run_then_fails(three_releases, tmp_path):
    feeds = _copy(three_releases, tmp_path)
    ids = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    orphan = feeds / "v" / "20261125T180000Z"
    shutil.copytree(feeds / "v" / ids[-1], orphan)
    result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", "2026-11-26T12:00:00Z",
                                      "--only", "ofac_sdn", "--source", f"ofac_sdn={tmp_path / 'missing.xml'}"])
    assert result.exit_code == 1  # the source cannot be read: the run fails after the repair
    assert "feed repaired: removed 20261125T180000Z (written by a killed run, never announced)" in result.output
    assert not orphan.exists() and sorted(p.name for p in (feeds / "v").iterdir()) == ids


def test_a_middle_release_missing_from_the_index_is_listed_again_without_announcing_anything(three_releases,
                                                                                              tmp_path):
    """The newest is still latest: index.json is written once, in order, with the newest's time;
    nothing is announced again."""
    from sanctions_feed.publish.repair import repair

    feeds = _copy(three_releases, tmp_path)
    index = json.loads((feeds / "index.json").read_text())
    ids = [v["id"] for v in index["versions"]]
    (feeds / "index.json").write_text(json.dumps({**index, "versions": [index["versions"][0], index["versions"][2]]}))
    site = _tree(feeds / "site")
    done = repair(feeds, set(ids), ids[-1])
    assert done == [f"index.json did not list {ids[1]}: added from their manifests"]
    repaired = json.loads((feeds / "index.json").read_text())
    assert [v["id"] for v in repaired["versions"]] == ids and repaired["latest"] == ids[-1]
    assert repaired["updated_at"] == index["versions"][2]["created_at"] and repaired["sources"] == index["sources"]
    assert _tree(feeds / "site") == site and os.readlink(feeds / "latest") == f"v/{ids[-1]}"


def test_an_index_rebuilt_from_the_manifests_takes_the_newest_manifests_sources(three_releases, tmp_path):
    from sanctions_feed.publish.release import read_manifest
    from sanctions_feed.publish.repair import repair

    feeds = _copy(three_releases, tmp_path)
    ids = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    (feeds / "index.json").unlink()
    done = repair(feeds, set(ids), ids[-1])
    assert done[-1] == f"finished announcing {ids[-1]}"
    repaired = json.loads((feeds / "index.json").read_text())
    assert repaired["sources"] == [s.model_dump(mode="json") for s in read_manifest(feeds, ids[-1]).sources]


def test_what_killed_runs_leave_is_removed_and_a_link_among_it_never_followed(three_releases, tmp_path):
    from sanctions_feed.publish.repair import repair

    feeds = _copy(three_releases, tmp_path)
    ids = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    (feeds / ".tmp-20261126T000000Z-99").mkdir()
    (feeds / ".tmp-20261126T000000Z-99" / "addresses.json").write_text("{}")
    (feeds / ".latest-99").symlink_to(f"v/{ids[0]}")  # a link to a directory: the link goes, never the release
    (feeds / ".index.json.tmp").write_text("{")
    releases = _tree(feeds / "v")
    done = repair(feeds, set(ids), ids[-1])
    assert done == ["removed .tmp-20261126T000000Z-99 (left by a killed run)", "removed .latest-99 (left by a killed run)",
                    "removed .index.json.tmp (left by a killed run)"]
    assert not [p for p in feeds.iterdir() if p.name.startswith(".")] and _tree(feeds / "v") == releases


def test_the_usual_run_reads_no_manifest_and_a_wrong_latest_link_is_pointed_back(three_releases, tmp_path,
                                                                                   monkeypatch):
    """Every release directory listed: repair lists `v/`, reads no manifest (history's length costs
    nothing), and still puts `latest` back where index.json says."""
    from sanctions_feed.publish.repair import repair

    feeds = _copy(three_releases, tmp_path)
    ids = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]

    def no_reading(_feeds):
        raise AssertionError("a manifest was read")
    monkeypatch.setattr(repair_module, "_release_manifests", no_reading)
    assert repair(feeds, set(ids), ids[-1]) == []
    for wrong in (ids[0], ids[1]):
        (feeds / "latest").unlink()
        (feeds / "latest").symlink_to(f"v/{wrong}")
        assert repair(feeds, set(ids), ids[-1]) == [f"pointed latest at {ids[-1]}"]
        assert os.readlink(feeds / "latest") == f"v/{ids[-1]}"


# --- Links are http(s) or nothing ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(load_sources()))
@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>",
                                 " javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                 "vbscript:msgbox", "file:///etc/passwd", "//evil.example/x", "https:alert(1)"])
def test_a_link_that_is_not_http_is_dropped_with_a_warning_naming_the_record(name, url, caplog):
    from sanctions_feed.schemas.source import RawListing

    listing = RawListing(source=name, source_record_id="R-1", raw_address="x", source_url=url)
    assert listing.source_url is None
    assert [(r.name, r.levelname) for r in caplog.records] == [(name, "WARNING")]
    assert "R-1: link" in caplog.records[0].getMessage()
    kept = RawListing(source=name, source_record_id="R-2", raw_address="x", source_url="https://example.org/a?b=1#c")
    assert kept.source_url == "https://example.org/a?b=1#c"


def _assert_only_public_links(feeds: Path, anywhere: bool = True) -> None:
    """No link but http(s) or relative in any page, no other source_url in any record; with
    `anywhere`, not even as text outside the source statuses (whose warning names the URL)."""
    import re

    for path, data in _tree(feeds).items():
        text = data.decode("utf-8", "replace")
        if path.endswith((".html", ".svg", ".atom")):
            for href in re.findall(r'(?:href|src)="([^"]*)"', text):
                assert re.match(r"https?://|[^:]*$", href), (path, href)
        elif anywhere and not path.endswith(("index.json", "manifest.json")):
            assert "javascript:" not in text and "data:text/html" not in text, path
    for address in json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]:
        for listing in address["listings"]:
            assert listing["source_url"] is None or re.match(r"https?://", listing["source_url"]), listing


def test_a_javascript_url_in_the_eu_file_never_reaches_the_feed(tmp_path):
    """Before: the EU file's <publicationUrl> became a link in changes.html and six site pages."""
    sample = load_sources()["eu_fsf"].sample_path().read_text(encoding="utf-8")
    poisoned = tmp_path / "eu.xml"
    poisoned.write_text(sample.replace("<publicationUrl>https://eur-lex", "<publicationUrl>javascript:alert(1)//", 1)
                        .replace("<publicationUrl>http://eur-lex", "<publicationUrl>data:text/html,x//"), encoding="utf-8")
    feeds = tmp_path / "feeds"
    result = run(feeds, f"sqlite:///{tmp_path}/feeds.db", "--only", "eu_fsf", "--source", f"eu_fsf={poisoned}")
    assert result.exit_code == 0, result.output
    _assert_only_public_links(feeds)
    warnings = {s["name"]: s.get("warnings") or [] for s in json.loads((feeds / "index.json").read_text())["sources"]}
    assert any("dropped: only http(s) links are published" in w for w in warnings["eu_fsf"]), warnings
    assert "dropped: only http(s) links are published" in result.output
    page = (feeds / "latest" / "changes.html").read_text()
    assert 'http-equiv="Content-Security-Policy"' in page and 'rel="noopener noreferrer"' in page


def test_a_store_from_before_the_check_publishes_no_unsafe_link(tmp_path):
    """A listing stored with a javascript: link (by a release older than the check) is published
    without it: `build` reads stored links through the same check (model_construct skips validators)."""
    import sqlite3

    feeds, db = tmp_path / "feeds", f"sqlite:///{tmp_path}/feeds.db"
    assert run(feeds, db, "--samples", "--only", "eu_fsf").exit_code == 0
    with sqlite3.connect(tmp_path / "feeds.db") as connection:
        connection.execute("UPDATE listings SET source_url = 'javascript:alert(1)'")
    again = run(feeds, db, "--samples", "--only", "fr_tresor", now="2026-11-26T12:00:00Z")  # EU's rows as stored
    assert again.exit_code == 0 and again.output.startswith("published"), again.output
    _assert_only_public_links(feeds, anywhere=False)


def test_the_fbi_registrys_notice_url_is_checked_too(tmp_path):
    registry = json.loads((load_sources()["us_fbi"].sample_path()).read_text(encoding="utf-8"))
    registry["notices"][0]["url"] = "javascript:alert(1)"
    poisoned = tmp_path / "us_fbi.json"
    poisoned.write_text(json.dumps(registry), encoding="utf-8")
    feeds = tmp_path / "feeds"
    result = run(feeds, f"sqlite:///{tmp_path}/feeds.db", "--only", "us_fbi", "--source", f"us_fbi={poisoned}")
    assert result.exit_code == 0, result.output
    _assert_only_public_links(feeds, anywhere=False)  # the registry's record id is the notice's URL, as text
    assert "dropped: only http(s) links are published" in result.output


def test_the_site_loads_in_chromium_under_its_policy_without_a_console_error(browser, tmp_path):
    feeds = tmp_path / "feeds"
    assert run(feeds, f"sqlite:///{tmp_path}/feeds.db", "--samples").exit_code == 0
    pages = [feeds / "site" / "index.html", feeds / "site" / "sources" / "index.html",
             next((feeds / "site" / "releases").iterdir()), feeds / "latest" / "changes.html"]
    browser.get_log("browser")  # what earlier tests left
    for page in pages:
        browser.get(page.resolve().as_uri())
        policy = browser.execute_script(
            "return document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
        assert "script-src 'self'" in policy
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == [], (page, errors)
    browser.get((feeds / "site" / "index.html").resolve().as_uri())
    # the site's own script ran under the policy: it filled in the table's row count
    assert browser.execute_script("return document.querySelector('.count').textContent").strip()
