"""Older releases kept compressed at rest (`update --plain-releases N`): past the newest N, a
release's text files are kept as `.gz` alone, and every reader still gets each file as published:
`verify --all`, `serve` (plain or gzip, the same ETag as before), the screening API's file routes,
`diff` of an old release, the site, `rebuild`, a push to object storage. Five signed releases,
the newest two kept plain."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish import at_rest
from sanctions_feed.publish.serve import make_server
from sanctions_feed.publish.signing import write_key_pair

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .test_object_storage import s3  # noqa: F401 - a fixture
from .test_serve import get

DAYS = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]
IDS = [f"{day.replace('-', '')}T120000Z" for day in DAYS]
AFTER = "2026-11-06T00:00:00Z"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def update(feeds: Path, key: Path, source: Path, now: str, *extra):
    return invoke("update", "--feeds", feeds, "--now", now, "--only", "ofac_sdn", "--force", "--source",
                  f"ofac_sdn={source}", "--signing-key", key, *extra)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Five releases, each dropping or restoring a party; the first three packed. A copy of each
    release as written is kept aside to compare with."""
    from sanctions_feed.pipeline import update as pipeline_update

    from .inprocess import InProcessCrawl

    root = tmp_path_factory.mktemp("at-rest")
    key, feeds, written = root / "keys" / "minisign.key", root / "feeds", root / "written"
    write_key_pair(key)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline_update, "Crawl", InProcessCrawl)
        for n, day in enumerate(DAYS):
            source = root / f"sdn{n}.xml"
            source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES if n % 2 == 0 else SAMPLE_PARTIES[1:]))
            result = update(feeds, key, source, f"{day}T12:00:00Z", "--plain-releases", 2)
            assert result.exit_code == 0 and result.stdout.startswith("published "), result.output
            shutil.copytree(feeds / "v" / IDS[n], written / IDS[n])
    return feeds, key, written


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_releases_past_the_newest_two_keep_their_text_files_packed_alone(history):
    feeds, _, written = history
    for version in IDS:
        kept, original = files(feeds / "v" / version), files(written / version)
        manifest = json.loads(original["manifest.json"])
        if version in IDS[3:]:
            assert kept == original, version  # the newest two: as written
            continue
        assert kept["manifest.json"] == original["manifest.json"] and kept["manifest.json.minisig"] == original["manifest.json.minisig"]
        for name, entry in manifest["files"].items():
            if at_rest.packable(name, entry["bytes"]):
                assert name not in kept, name
                assert gzip.decompress(kept[name + ".gz"]) == original[name]
                assert kept[name + ".gz"][4:8] == b"\0\0\0\0"  # no time: the same release packs to the same bytes
            else:  # the spreadsheets, Parquet, the small files, the release's own .gz siblings
                assert kept[name] == original[name], name
        assert "addresses.json" in original and "addresses.json" not in kept
        assert sum(map(len, kept.values())) < sum(map(len, original.values())) / 2


def test_a_file_unchanged_since_the_release_before_shares_its_packed_copy(history):
    feeds, _, _ = history
    name = "schema/addresses.json"  # the schemas do not change between releases
    first, second = feeds / "v" / IDS[0] / (name + ".gz"), feeds / "v" / IDS[1] / (name + ".gz")
    assert first.stat().st_ino == second.stat().st_ino
    changed = "addresses.json.gz"  # each release drops or restores a party
    assert (feeds / "v" / IDS[0] / changed).stat().st_ino != (feeds / "v" / IDS[1] / changed).stat().st_ino


def test_verify_all_reads_the_packed_releases(history):
    feeds, key, _ = history
    result = invoke("verify", feeds, "--all", "--at", AFTER, "--public-key", key.with_suffix(".pub"))
    assert result.exit_code == 0 and [line.split()[:2] for line in result.output.splitlines()] == [["ok", f"{v}:"] for v in IDS]


def test_verify_names_a_packed_file_that_does_not_hold_what_the_manifest_says(history, tmp_path):
    feeds, key, _ = history
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    (copy / "v" / IDS[0] / "changes.json.gz").write_bytes(gzip.compress(b'{"added": []}\n'))
    result = invoke("verify", copy, "--version", IDS[0], "--at", AFTER, "--public-key", key.with_suffix(".pub"))
    assert result.exit_code == 1 and f"v/{IDS[0]}/changes.json: sha256 differs" in result.output, result.output
    latest = copy / "v" / IDS[4]  # kept plain: a stray .gz beside a file is what gzip clients get
    (latest / "changes.csv.gz").write_bytes(gzip.compress(b"other rows"))
    result = invoke("verify", copy, "--version", IDS[4], "--at", AFTER, "--public-key", key.with_suffix(".pub"))
    assert result.exit_code == 1 and f"v/{IDS[4]}/changes.csv.gz: does not hold changes.csv" in result.output, result.output
    (latest / "changes.csv.gz").write_bytes(gzip.compress((latest / "changes.csv").read_bytes()))
    result = invoke("verify", copy, "--version", IDS[4], "--at", AFTER, "--public-key", key.with_suffix(".pub"))
    assert result.exit_code == 0, result.output
    (copy / "v" / IDS[0] / "changes.json.gz").write_bytes(b"not gzip")
    result = invoke("verify", copy, "--version", IDS[0], "--at", AFTER, "--public-key", key.with_suffix(".pub"))
    assert result.exit_code != 0 and "changes.json" in result.output and "Traceback" not in result.output, result.output


@pytest.fixture(scope="module")
def served(history):
    feeds, _, _ = history
    server = make_server(feeds, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_serve_answers_a_packed_file_at_its_own_url_with_the_etag_it_had(history, served):
    feeds, _, written = history
    original = (written / IDS[0] / "addresses.json").read_bytes()
    tag = f'"{hashlib.sha256(original).hexdigest()[:32]}"'
    status, headers, body = get(f"{served}/v/{IDS[0]}/addresses.json", **{"Accept-Encoding": "identity"})
    assert status == 200 and body == original and headers["ETag"] == tag
    assert headers["Content-Length"] == str(len(original)) and headers["Content-Type"] == "application/json"
    status, headers, body = get(f"{served}/v/{IDS[0]}/addresses.json", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["ETag"] == tag[:-1] + '-gzip"'
    assert body == (feeds / "v" / IDS[0] / "addresses.json.gz").read_bytes() and gzip.decompress(body) == original
    assert get(f"{served}/v/{IDS[0]}/addresses.json", **{"If-None-Match": tag})[0] == 304
    small = "changes.html"  # packed, with no sibling in the manifest
    assert (feeds / "v" / IDS[0] / (small + ".gz")).is_file() and not (feeds / "v" / IDS[0] / small).exists()
    status, _, body = get(f"{served}/v/{IDS[0]}/{small}")
    assert status == 200 and body == (written / IDS[0] / small).read_bytes()


def test_the_screening_api_serves_a_packed_file_too(history):
    from starlette.testclient import TestClient

    from sanctions_feed.screening.api import create_app
    from sanctions_feed.screening.screener import Screener

    feeds, _, written = history
    with TestClient(create_app(Screener.open(feeds), reload_interval=0)) as client:
        answer = client.get(f"/v/{IDS[1]}/changes.csv", headers={"Accept-Encoding": "identity"})
        assert answer.status_code == 200 and answer.content == (written / IDS[1] / "changes.csv").read_bytes()
        assert "content-encoding" not in answer.headers


def test_diff_and_the_site_read_the_packed_releases(history, tmp_path):
    from sanctions_feed.publish.reading import read_index
    from sanctions_feed.publish.site import Site

    feeds, _, _ = history
    result = invoke("diff", IDS[0], IDS[1], "--feeds", feeds, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["removed"], result.output
    copy = tmp_path / "feeds"  # the site made again, every release page from the packed releases
    shutil.copytree(feeds, copy, symlinks=True)
    shutil.rmtree(copy / "site")
    Site(copy, read_index(copy)).write()
    for version in IDS[:3]:
        page = f"site/releases/{version}.html"
        assert (copy / page).read_bytes() == (feeds / page).read_bytes(), page


@pytest.mark.e2e
def test_a_packed_release_is_rebuilt_byte_for_byte_from_the_raw_archive(history, tmp_path):
    feeds, _, _ = history
    result = invoke("rebuild", IDS[1], "--feeds", feeds, "--out", tmp_path / "rebuilt")
    assert result.exit_code == 0 and "identical to the published release" in result.output, result.output


def test_the_push_to_object_storage_sends_a_packed_release_as_published(history, s3):  # noqa: F811
    from sanctions_feed.publish.objects import push_feed

    from .test_object_storage import PREFIX, keys

    feeds, key, written = history
    client, endpoint, bucket = s3
    push_feed(feeds, f"s3://{bucket}/{PREFIX}/")
    for name, data in files(written / IDS[0]).items():
        assert client.get_object(Bucket=bucket, Key=f"{PREFIX}/v/{IDS[0]}/{name}")["Body"].read() == data, name
    assert f"v/{IDS[0]}/changes.html.gz" not in keys(client, bucket)  # only what the manifest lists
    result = invoke("verify", f"{endpoint}/{bucket}/{PREFIX}/", "--all", "--at", AFTER, "--public-key", key.with_suffix(".pub"))
    assert result.exit_code == 0, result.output


def test_pack_older_looks_back_only_to_the_first_release_packed_before(history, tmp_path, monkeypatch):
    feeds, _, _ = history
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    (copy / "v" / "notes.txt").write_text("not a release: never counted in the window")
    assert at_rest.pack_older(copy, 2) == []  # all packed already
    assert at_rest.pack_older(copy, 1) == [IDS[3]]
    assert at_rest.pack_older(copy, 0) == []  # 0: nothing packed
    # a release cut off mid-pack (a file and its .gz both there, addresses.json not yet packed) is finished
    (copy / "v" / IDS[4] / "changes.csv.gz").write_bytes(gzip.compress((copy / "v" / IDS[4] / "changes.csv").read_bytes()))
    seen = []
    monkeypatch.setattr(at_rest, "pack_release", lambda folder, before: seen.append(folder.name) or 0)
    assert at_rest.pack_older(copy, 2, per_run=5) == []
    (copy / "v" / "20261106T120000Z").mkdir()
    assert at_rest.pack_older(copy, 1, per_run=5) == [IDS[4]] and seen == [IDS[4]]


def test_the_window_has_a_floor_of_two(tmp_path):
    result = invoke("update", "--samples", "--feeds", tmp_path / "feeds", "--plain-releases", 1)
    assert result.exit_code == 2 and "--plain-releases" in result.output and "Traceback" not in result.output
    config = tmp_path / "feed.toml"
    config.write_text("plain_releases = 1\n")
    result = invoke("--config", config, "config")
    assert result.exit_code != 0 and "plain_releases" in result.output, result.output


def test_where_no_hard_link_can_be_made_each_release_packs_its_own_copy(history, tmp_path, monkeypatch):
    feeds, _, written = history
    copy = tmp_path / "v"
    for version in IDS[:2]:
        shutil.copytree(written / version, copy / version)

    def refuse(*_):
        raise OSError(18, "Invalid cross-device link")
    at_rest.pack_release(copy / IDS[0], None)
    monkeypatch.setattr(at_rest.os, "link", refuse)
    at_rest.pack_release(copy / IDS[1], copy / IDS[0])
    name = "schema/addresses.json.gz"
    assert (copy / IDS[1] / name).read_bytes() == (copy / IDS[0] / name).read_bytes()
    assert (copy / IDS[1] / name).stat().st_ino != (copy / IDS[0] / name).stat().st_ino


def test_by_default_every_release_stays_as_written(history, tmp_path, monkeypatch):
    """Packing is the operator's choice (deploy/ sets 10): an update without it packs nothing."""
    from sanctions_feed.pipeline import update as pipeline_update

    from .inprocess import InProcessCrawl

    feeds, key, _ = history
    copy = tmp_path / "feeds"
    shutil.copytree(feeds, copy, symlinks=True)
    shutil.copytree(Path(f"{feeds}.raw"), Path(f"{copy}.raw"))
    shutil.copy(Path(f"{feeds}.db"), Path(f"{copy}.db"))
    monkeypatch.setattr(pipeline_update, "Crawl", InProcessCrawl)
    monkeypatch.delenv("SANCTIONS_FEED_PLAIN_RELEASES", raising=False)
    source = tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[2:]))
    result = update(copy, key, source, "2026-11-06T12:00:00Z")
    assert result.exit_code == 0 and result.stdout.startswith("published "), result.output
    assert (copy / "v" / IDS[3] / "addresses.json").is_file() and (copy / "v" / IDS[4] / "addresses.json").is_file()
    from sanctions_feed.commands.feed import update as update_command

    assert next(p for p in update_command.params if p.name == "plain_releases").default == 0
    monkeypatch.setenv("SANCTIONS_FEED_PLAIN_RELEASES", "2")  # as deploy/'s env file sets it (10 there)
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    result = update(copy, key, source, "2026-11-07T12:00:00Z")
    assert result.exit_code == 0 and result.stdout.startswith("published "), result.output
    assert [v for v in IDS if (copy / "v" / v / "addresses.json").is_file()] == []


def test_a_file_goes_only_for_a_gz_that_holds_its_bytes(history, tmp_path):
    """A `.gz` of the release before with the same sha256 in its manifest but other bytes is not
    linked; a published sibling that is not its file's copy keeps the file (verify names it)."""
    _, _, written = history
    copy = tmp_path / "v"
    for version in IDS[:2]:
        shutil.copytree(written / version, copy / version)
    at_rest.pack_release(copy / IDS[0], None)
    name = "schema/addresses.json"
    (copy / IDS[0] / (name + ".gz")).write_bytes(gzip.compress(b"not the schema"))
    at_rest.pack_release(copy / IDS[1], copy / IDS[0])
    assert gzip.decompress((copy / IDS[1] / (name + ".gz")).read_bytes()) == (written / IDS[1] / name).read_bytes()
    assert not (copy / IDS[1] / name).exists()


    def release_with_sibling(folder: Path, sibling: bytes) -> Path:
        data = b'{"rows": ["x"]}' * 100
        folder.mkdir()
        (folder / "a.json").write_bytes(data)
        (folder / "a.json.gz").write_bytes(sibling)
        (folder / "manifest.json").write_text(json.dumps({"files": {
            name: {"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body), "rows": 1}
            for name, body in (("a.json", data), ("a.json.gz", sibling))}}))
        return folder

    good = release_with_sibling(tmp_path / "good", gzip.compress(b'{"rows": ["x"]}' * 100))
    at_rest.pack_release(good, None)
    assert not (good / "a.json").exists()
    bad = release_with_sibling(tmp_path / "bad", gzip.compress(b"other bytes"))
    at_rest.pack_release(bad, None)
    assert (bad / "a.json").read_bytes() == b'{"rows": ["x"]}' * 100
    assert gzip.decompress((bad / "a.json.gz").read_bytes()) == b"other bytes"  # left for verify to name
