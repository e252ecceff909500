"""index.json kept bounded (schema 1.6): the newest releases in `versions`, older ones on yearly
pages (`index/<year>.json`) listed in `archives` with their sha256. The whole history stays
reachable: `verify --all`, `check --on` an old day, `diff` of an old release, the repair of a
lost index.json, a push to object storage. Run with the window made small (2 kept, 3 at most)
over six releases that span a new year, the releases past the newest two packed at rest."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish import index_pages
from sanctions_feed.publish.errors import FeedError
from sanctions_feed.publish.signing import write_key_pair

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .test_object_storage import s3  # noqa: F401 - a fixture

DATES = ["2025-12-20", "2025-12-27", "2026-01-03", "2026-01-10", "2026-01-17", "2026-01-24"]
AFTER = "2026-01-25T00:00:00Z"


def update(feeds: Path, key: Path, source: Path, now: str):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, "--only", "ofac_sdn", "--force",
                                    "--source", f"ofac_sdn={source}", "--signing-key", str(key),
                                    "--plain-releases", "2"])  # the paged releases packed at rest too


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    """Six signed releases, each dropping or restoring a party, with index.json keeping 2-3."""
    from sanctions_feed.pipeline import update as pipeline_update

    from .inprocess import InProcessCrawl

    root = tmp_path_factory.mktemp("paged")
    key, feeds = root / "keys" / "minisign.key", root / "feeds"
    write_key_pair(key)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index_pages, "INDEX_RECENT", 2)
        patch.setattr(index_pages, "INDEX_MOST", 3)
        patch.setattr(pipeline_update, "Crawl", InProcessCrawl)
        for n, day in enumerate(DATES):
            source = root / f"sdn{n}.xml"
            source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES if n % 2 == 0 else SAMPLE_PARTIES[1:]))
            result = update(feeds, key, source, f"{day}T12:00:00Z")
            assert result.exit_code == 0 and result.stdout.startswith("published "), result.output
    return feeds, key.with_suffix(".pub"), [f"{day.replace('-', '')}T120000Z" for day in DATES]


def index_of(feeds: Path) -> dict:
    return json.loads((feeds / "index.json").read_text())


def test_index_json_keeps_the_newest_releases_and_pages_the_rest_by_year(paged):
    feeds, _, ids = paged
    index = index_of(feeds)
    assert index["schema_version"] == "1.6"
    assert [v["id"] for v in index["versions"]] == ids[4:]  # moved in batches: 4 > 3 left 2, twice
    assert [(a["year"], a["path"], a["releases"], a["first"], a["last"]) for a in index["archives"]] == [
        (2025, "index/2025.json", 2, ids[0], ids[1]), (2026, "index/2026.json", 2, ids[2], ids[3])]
    schema = json.loads((feeds / "latest" / "schema" / "index-page.json").read_text())
    for archive in index["archives"]:
        data = (feeds / archive["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == archive["sha256"]
        jsonschema.validate(json.loads(data), schema, cls=jsonschema.Draft202012Validator)
    assert [v["previous"] for v in json.loads((feeds / "index" / "2026.json").read_text())["versions"]] == ids[1:3]


def test_verify_all_walks_every_release_through_the_pages(paged):
    feeds, public, ids = paged
    result = CliRunner().invoke(cli, ["verify", str(feeds), "--all", "--at", AFTER, "--public-key", str(public)])
    assert result.exit_code == 0, result.output
    assert all(version in result.output for version in ids)
    old = CliRunner().invoke(cli, ["verify", str(feeds), "--version", ids[0], "--at", AFTER, "--public-key", str(public)])
    assert old.exit_code == 0, old.output


def test_the_whole_history_answers_an_old_day_and_an_old_diff(paged):
    from sanctions_feed.commands.analyst import release_in_force
    from sanctions_feed.publish.reading import read_index_head

    feeds, _, ids = paged
    assert release_in_force(feeds, date(2025, 12, 21)) == ids[0]  # on a yearly page
    assert release_in_force(feeds, date(2026, 1, 11)) == ids[3]
    assert release_in_force(feeds, None) == ids[-1]
    assert [v.id for v in read_index_head(feeds).versions] == ids[4:]  # a `check` reads index.json alone
    diff = CliRunner().invoke(cli, ["diff", "previous", ids[1], "--feeds", str(feeds), "--format", "json"])
    assert diff.exit_code == 0, diff.output
    assert json.loads(diff.stdout)["from"] == ids[0]


def test_an_altered_page_is_named_and_the_latest_still_screens(paged, tmp_path):
    feeds, public, ids = paged
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    page = copy / "index" / "2025.json"
    page.write_text(page.read_text().replace(ids[0], ids[0][:-1] + "1"))
    result = CliRunner().invoke(cli, ["verify", str(copy), "--all", "--at", AFTER, "--public-key", str(public)])
    assert result.exit_code != 0
    assert "index/2025.json: its sha256 is not the one index.json gives" in result.output + result.stderr
    latest = CliRunner().invoke(cli, ["verify", str(copy), "--at", AFTER, "--public-key", str(public)])
    assert latest.exit_code == 0, latest.output  # the latest release needs no page
    check = CliRunner().invoke(cli, ["check", "--feeds", str(copy), "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])
    assert check.exit_code == 0, check.output


def test_a_lost_index_is_rebuilt_with_its_pages(paged, tmp_path, monkeypatch):
    from sanctions_feed.publish.repair import repair
    from sanctions_feed.publish.settings import UNSIGNED

    feeds, _, ids = paged
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    before = index_of(copy)
    (copy / "index.json").unlink()
    shutil.rmtree(copy / "index")
    monkeypatch.setattr(index_pages, "INDEX_RECENT", 2)
    monkeypatch.setattr(index_pages, "INDEX_MOST", 3)
    repair(copy, set(ids), ids[-1], UNSIGNED)
    after = index_of(copy)
    paged_ids = [v["id"] for a in after["archives"] for v in json.loads((copy / a["path"]).read_text())["versions"]]
    assert paged_ids + [v["id"] for v in after["versions"]] == ids  # every release, each once, in order
    assert len(after["versions"]) <= index_pages.INDEX_MOST and after["latest"] == ids[-1]
    entries = {v["id"]: v for v in before["versions"]}
    assert all(entries[v["id"]] == v for v in after["versions"] if v["id"] in entries)


def test_a_push_to_object_storage_carries_the_pages_and_every_release(paged, s3):  # noqa: F811
    from sanctions_feed.publish.objects import push_feed

    from .test_object_storage import PREFIX, keys

    feeds, public, ids = paged
    client, endpoint, bucket = s3
    push_feed(feeds, f"s3://{bucket}/{PREFIX}/")
    held = keys(client, bucket)
    assert {"index/2025.json", "index/2026.json", "index.json"} <= held
    assert {f"v/{version}/manifest.json" for version in ids} <= held
    remote = f"{endpoint}/{bucket}/{PREFIX}/"
    result = CliRunner().invoke(cli, ["verify", remote, "--all", "--at", AFTER, "--public-key", str(public)])
    assert result.exit_code == 0, result.output
    again = push_feed(feeds, f"s3://{bucket}/{PREFIX}/")
    assert "releases none new" in again[-1]  # the pages tell the bucket holds the old releases


def test_a_release_missing_from_the_pages_is_found_and_added(paged, tmp_path, monkeypatch):
    """The repair counts the directories up to the pages' newest instead of reading the pages;
    one more than they list makes it read them, find it, and list it again."""
    from sanctions_feed.publish.repair import repair
    from sanctions_feed.publish.settings import UNSIGNED

    feeds, _, ids = paged
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    monkeypatch.setattr(index_pages, "INDEX_RECENT", 2)
    monkeypatch.setattr(index_pages, "INDEX_MOST", 3)
    assert repair(copy, set(ids), ids[-1], UNSIGNED) == []  # all listed: nothing to do, no page read
    index = index_of(copy)
    page = copy / "index" / "2026.json"
    data = json.loads(page.read_text())
    data["versions"] = data["versions"][1:]  # ids[2] dropped from its page, older than the page's newest
    page.write_text(json.dumps(data))
    for archive in index["archives"]:
        if archive["year"] == 2026:
            archive.update(releases=1, first=ids[3], sha256=hashlib.sha256(page.read_bytes()).hexdigest())
    (copy / "index.json").write_text(json.dumps(index))
    done = repair(copy, set(ids), ids[-1], UNSIGNED)
    assert any(ids[2] in line and "added from their manifests" in line for line in done), done
    after = index_of(copy)
    paged_ids = [v["id"] for a in after["archives"] for v in json.loads((copy / a["path"]).read_text())["versions"]]
    assert paged_ids + [v["id"] for v in after["versions"]] == ids


def test_the_site_lists_the_newest_releases_and_links_a_page_per_year(paged):
    feeds, _, ids = paged
    index = index_of(feeds)
    listing = (feeds / "site" / "releases" / "index.html").read_text()
    assert "All releases (6)" in listing and 'href="2025.html"' in listing and 'href="2026.html"' in listing
    assert f"{ids[-1]}.html" in listing and f"{ids[0]}.html" not in listing
    for archive in index["archives"]:
        page = (feeds / "site" / "releases" / f"{archive['year']}.html").read_text()
        assert archive["sha256"] in page and f"Releases of {archive['year']} ({archive['releases']})" in page
    year_2025 = (feeds / "site" / "releases" / "2025.html").read_text()
    assert f"{ids[0]}.html" in year_2025 and f"{ids[1]}.html" in year_2025 and f"{ids[2]}.html" not in year_2025
    assert all((feeds / "site" / "releases" / f"{version}.html").is_file() for version in ids)


def test_a_chart_draws_a_point_a_day_and_at_most_a_year_of_points():
    from datetime import datetime, timedelta, timezone

    from sanctions_feed.publish.site_data import chart_points
    from sanctions_feed.schemas.feed import IndexVersion

    start = datetime(2024, 1, 1, tzinfo=timezone.utc)

    def release(moment):
        return IndexVersion(id=f"{moment:%Y%m%dT%H%M%SZ}", created_at=moment, addresses=1, active=1, added=0,
                            removed=0, changed=0)

    same_day = [release(start), release(start + timedelta(hours=5))]
    assert chart_points(same_day) == same_day[1:]  # the day's last
    years = [release(start + timedelta(days=n)) for n in range(1000)]
    drawn = chart_points(years)
    assert len(drawn) == 366 and drawn[-1] == years[-1] and drawn == sorted(drawn, key=lambda v: v.id)
    assert drawn[0].created_at - start < timedelta(days=3)  # spaced over the whole history
    assert chart_points(years[:366]) == years[:366]  # the edge: a year of days is drawn whole


def test_the_charts_read_the_pages_once_and_draw_the_same_from_the_kept_points(paged, tmp_path):
    from sanctions_feed.publish.reading import read_index
    from sanctions_feed.publish.site import CHART_CACHE, Site

    feeds, _, ids = paged
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    kept = json.loads((copy / CHART_CACHE).read_text())
    assert kept["archives"] == [a["sha256"] for a in index_of(copy)["archives"]]
    assert len(kept["points"]) == 4  # the paged releases, one a week
    drawn = {name: (copy / "site" / name).read_bytes() for name in ("chart-sources.svg", "chart-chains.svg")}
    for cache in (None, '{"archives": ["stale"], "points": []}', "not json"):
        if cache is None:
            (copy / CHART_CACHE).unlink()
        else:
            (copy / CHART_CACHE).write_text(cache)
        Site(copy, read_index(copy)).write()
        assert {name: (copy / "site" / name).read_bytes() for name in drawn} == drawn
    assert ids[0][:8] in "".join(json.loads((copy / CHART_CACHE).read_text())["points"][0][0].split("-"))


@pytest.mark.e2e
def test_a_paged_release_is_rebuilt_byte_for_byte(paged, tmp_path):
    feeds, _, ids = paged
    assert (feeds / "v" / ids[0] / "addresses.json.gz").is_file() and not (feeds / "v" / ids[0] / "addresses.json").exists()
    for version in (ids[0], ids[-1]):  # paged and packed; the latest
        result = CliRunner().invoke(cli, ["rebuild", version, "--feeds", str(feeds), "--out", str(tmp_path / version)])
        assert result.exit_code == 0, result.output
        assert "identical to the published release" in result.stdout


def test_a_copy_without_the_pages_answers_an_old_day_from_its_oldest_release(paged, tmp_path):
    """A replica's cache holds index.json and the releases it pulled, not the yearly pages."""
    from sanctions_feed.commands.analyst import release_in_force

    feeds, _, ids = paged
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    shutil.rmtree(copy / "index")
    assert release_in_force(copy, date(2025, 12, 21)) == ids[4]  # the oldest it lists
    assert release_in_force(feeds, date(2025, 12, 21)) == ids[0]  # with the pages: the one in force


def test_a_chart_marks_the_points_where_a_count_changes_and_both_ends():
    from datetime import datetime, timedelta, timezone

    from sanctions_feed.publish.chart import line_chart

    times = [datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=n) for n in range(6)]
    svg = line_chart("t", times, {"ofac_sdn": [5, 5, 5, 7, 7, 7]})
    assert svg.count("<circle") == 3  # the first, the change to 7, the last
    assert "ofac_sdn: 7 on 2026-01-04" in svg and "ofac_sdn: 5 on 2026-01-02" not in svg
    assert svg.count("<polyline") == 1 and svg.count(",") >= 6  # the line still goes through every point


def test_a_page_that_grew_under_an_older_index_is_read_as_that_index_names_it(paged, tmp_path):
    """An update moved more releases to the page while a reader (or a cache) held the older
    index.json: the releases it names are all there, so the page is read as it named it."""
    from sanctions_feed.publish.reading import local_reader, read_page
    from sanctions_feed.schemas.feed import IndexArchive

    feeds, _, ids = paged
    archive = IndexArchive.model_validate(index_of(feeds)["archives"][1])  # 2026: ids[2], ids[3]
    page = json.loads((feeds / archive.path).read_text())
    grown = {**page, "versions": page["versions"] + [dict(page["versions"][-1], id=ids[4], previous=ids[3])]}
    copy = tmp_path / "index"
    copy.mkdir()
    (copy / "2026.json").write_text(json.dumps(grown))
    read = local_reader(tmp_path)
    assert [v.id for v in read_page(archive, read, tmp_path)] == ids[2:4]
    shrunk = {**page, "versions": page["versions"][:1]}
    (copy / "2026.json").write_text(json.dumps(shrunk))
    with pytest.raises(FeedError, match="its sha256 is not the one index.json gives"):
        read_page(archive, read, tmp_path)


def test_the_first_release_index_json_lists_links_back_to_a_paged_one(paged, tmp_path):
    from sanctions_feed.publish.reading import read_index
    from sanctions_feed.publish.site import Site

    feeds, _, ids = paged
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    (copy / "site" / "releases" / f"{ids[4]}.html").unlink()  # written again, from index.json's releases
    Site(copy, read_index(copy)).write()
    page = (copy / "site" / "releases" / f"{ids[4]}.html").read_text()
    assert f'href="{ids[3]}.html"' in page and f'href="{ids[5]}.html"' in page


def test_verify_all_reads_each_page_once_whatever_the_releases_it_checks(paged):
    from datetime import datetime

    from sanctions_feed.publish.verify import Reader, listed_versions, verify

    feeds, public, ids = paged
    reader, pages = Reader(str(feeds)), []
    read = reader._read
    reader._read = lambda path: (pages.append(path) if path.startswith("index/") else None) or read(path)
    at = datetime.fromisoformat(AFTER.replace("Z", "+00:00"))
    for version in listed_versions(reader):
        assert verify(reader, version, str(public), at).problems == []
    assert sorted(pages) == ["index/2025.json", "index/2026.json"]


@pytest.mark.parametrize(("path", "pushed"), [("index/2026.json", True), ("../../keys/minisign.json", False),
                                              ("index/2026.json/../../x.json", False), ("/etc/2026.json", False)])
def test_only_a_page_path_is_ever_read_or_pushed(path, pushed):
    """A page named in index.json is read and pushed by its path: only `index/<year>.json`."""
    from sanctions_feed.publish.objects import _pages

    entry = {"year": 2026, "path": path, "releases": 1, "first": "20260101T000000Z", "last": "20260101T000000Z",
             "sha256": "0" * 64}
    assert bool(_pages({"archives": [entry]})) is pushed
