"""Each decision `verify` takes, pinned by the case that needs it: a superseded release's deadline
is its successor's publication, changes.html's rows are changes.json's, a previous manifest that
names another release, an HTTP refusal, a reader that fetches each shared file once."""

from __future__ import annotations

import io
import json
import shutil
import urllib.error
from datetime import datetime, timezone

import pytest

from sanctions_feed.publish import verify as verify_module
from sanctions_feed.publish.errors import FeedError
from sanctions_feed.publish.verify import Reader, verify

from .test_signed_releases import AFTER, copy, history  # noqa: F401 - fixtures

AT = datetime.fromisoformat(AFTER.replace("Z", "+00:00"))


def problems(feeds, version=None, **kwargs) -> list[str]:
    return verify(Reader(str(feeds)), version, None, kwargs.pop("at", AT), **kwargs).problems


def _edit(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_a_superseded_release_must_have_been_replaced_before_it_expired(copy):  # noqa: F811
    feeds, _, versions = copy
    assert not [p for p in problems(feeds, versions[0]) if "expired" in p]  # replaced a week after: in time
    # Its successor published after its expiry (2026-12-01): it lapsed before it was replaced.
    _edit(feeds / "index.json", lambda d: d["versions"][1].update(created_at="2026-12-05T00:00:00Z"))
    lapsed = [p for p in problems(feeds, versions[0]) if "expired" in p]
    assert lapsed == [f"v/{versions[0]}/manifest.json: expired at 2026-12-01T00:00:00Z, before {versions[1]} replaced it"]
    # The latest is judged at --at, not by a successor.
    assert [p for p in problems(feeds, versions[2], at=datetime(2027, 1, 1, tzinfo=timezone.utc)) if "expired" in p]


def test_changes_html_counts_the_rows_of_changes_json_whatever_the_order_of_the_manifest(copy):  # noqa: F811
    feeds, _, versions = copy
    manifest = feeds / "v" / versions[-1] / "manifest.json"
    rows = json.loads(manifest.read_text())["files"]["changes.json"]["rows"]
    _edit(manifest, lambda d: d["files"]["changes.html"].update(rows=rows + 5))
    assert f"v/{versions[-1]}/changes.html: {rows} rows, the manifest says {rows + 5}" in problems(feeds)


@pytest.mark.parametrize("delta", [-1, 1])
def test_a_row_count_off_by_one_either_way_is_named(copy, delta):  # noqa: F811
    feeds, _, versions = copy
    manifest = feeds / "v" / versions[-1] / "manifest.json"
    rows = json.loads(manifest.read_text())["files"]["addresses.csv"]["rows"]
    _edit(manifest, lambda d: d["files"]["addresses.csv"].update(rows=rows + delta))
    assert f"v/{versions[-1]}/addresses.csv: {rows} rows, the manifest says {rows + delta}" in problems(feeds)


def test_a_previous_manifest_that_names_a_later_release_is_not_the_one_followed(copy):  # noqa: F811
    feeds, _, versions = copy
    shutil.copy(feeds / "v" / versions[2] / "manifest.json", feeds / "v" / versions[1] / "manifest.json")
    found = problems(feeds, versions[2])
    assert any(p.startswith(f"v/{versions[1]}/manifest.json: is not the release {versions[2]} follows (names "
                            f"{versions[2]}") for p in found), found


def test_an_index_whose_latest_is_past_its_newest_release_fails(copy):  # noqa: F811
    feeds, _, versions = copy
    _edit(feeds / "index.json", lambda d: d.update(latest="20991231T000000Z"))
    found = problems(feeds, versions[-1])
    assert f"index.json: latest is 20991231T000000Z, but the newest release listed is {versions[-1]}" in found[0]


def test_the_newest_of_several_unlisted_release_directories_is_named(copy):  # noqa: F811
    feeds, _, versions = copy
    _edit(feeds / "index.json", lambda d: (d.update(latest=versions[0]), d.update(versions=d["versions"][:1])))
    found = problems(feeds)
    assert f"index.json: its newest release is {versions[0]}, but v/{versions[2]} is newer (an older index put back)" in found


def test_no_index_or_no_release_says_which_and_a_feed_without_v_is_no_crash(tmp_path, copy):  # noqa: F811
    feeds, _, versions = copy
    index = (feeds / "index.json").read_text()
    (feeds / "index.json").unlink()
    report = verify(Reader(str(feeds)), None, None, AT)
    assert (report.version, report.problems) == ("latest", ["index.json: missing"])
    (feeds / "index.json").write_text(json.dumps({"latest": None, "updated_at": "2026-11-01T00:00:00Z", "versions": [],
                                                  "sources": []}))
    report = verify(Reader(str(feeds)), None, None, AT)
    assert (report.version, report.problems) == ("latest", ["index.json: no release published yet"])
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "index.json").write_text(index)
    _edit(bare / "index.json", lambda d: d.update(latest=versions[0], versions=d["versions"][:1]))
    report = verify(Reader(str(bare)), None, None, AT)
    assert report.problems == [f"v/{versions[0]}/manifest.json: missing"] and report.files == 0


def test_every_file_of_the_manifest_is_counted_and_each_shared_file_read_once(copy, monkeypatch):  # noqa: F811
    feeds, public, versions = copy
    reads: list[str] = []
    original = Reader._read

    def counting(self, path):
        reads.append(path)
        return original(self, path)
    monkeypatch.setattr(Reader, "_read", counting)
    reader = Reader(str(feeds))
    reports = [verify(reader, version, str(public), AT) for version in versions]
    files = json.loads((feeds / "v" / versions[-1] / "manifest.json").read_text())["files"]
    assert reports[-1].ok and reports[-1].files == len(files)
    assert reads.count("index.json") == 1 and reads.count("minisign.pub") <= 1
    assert reads.count(f"v/{versions[1]}/manifest.json") == 1  # read for itself and as the one after it follows


@pytest.mark.parametrize(("code", "said"), [(401, "access refused (HTTP 401)"), (403, "access refused (HTTP 403)"),
                                            (500, "HTTP 500"), (404, None)])
def test_an_http_refusal_is_named_and_a_404_is_a_missing_file(monkeypatch, code, said):
    def refuse(request, timeout):
        raise urllib.error.HTTPError(request.full_url, code, "no", {}, io.BytesIO(b""))
    monkeypatch.setattr(verify_module.urllib.request, "urlopen", refuse)
    reader = Reader("https://feeds.example.org/")
    if said is None:
        assert reader.read("v/x/addresses.csv") is None
        return
    with pytest.raises(FeedError, match=said.replace("(", r"\(").replace(")", r"\)")):
        reader.read("index.json")
