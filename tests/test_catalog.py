"""The feed as an OpenSanctions-style catalog, read by yente's own loaders: a yente configured
with our catalog URL finds the feed's datasets, their versions and entities, verifies each file's
SHA-1, and follows the delta index from one release to the next. yente runs in its own
virtualenv (`.venv-yente`, made by `make test-tools`; or $SANCTIONS_FEED_YENTE_PYTHON), since it
pins its own followthemoney and FastAPI; the test skips with the reason where there is none."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.catalog import CATALOG, DELTA_INDEX

from .builders import SAMPLE_PARTIES, sdn_advanced_xml

ROOT = Path(__file__).parent.parent
YENTE_PYTHON = Path(os.environ.get("SANCTIONS_FEED_YENTE_PYTHON", ROOT / ".venv-yente" / "bin" / "python"))


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Two releases published under the feed URL they are served from: the samples, then an OFAC
    file without two parties."""
    root = tmp_path_factory.mktemp("catalog")
    feeds, source = root / "feeds", root / "sdn.xml"
    feeds.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(feeds)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[:2] + SAMPLE_PARTIES[4:]))
    for now, args in (("2026-11-24T12:00:00Z", ["--samples"]),
                      ("2026-11-25T12:00:00Z", ["--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force"])):
        result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, "--feed-url", url, *args])
        assert result.exit_code == 0, result.output
    yield feeds, url
    server.shutdown()


def test_the_catalog_names_every_dataset_with_its_version_publisher_and_checksummed_resources(served):
    feeds, url = served
    catalog = json.loads((feeds / CATALOG).read_text())
    index = json.loads((feeds / "index.json").read_text())
    by_name = {d["name"]: d for d in catalog["datasets"]}
    sources = {s["name"] for s in index["sources"] if s["status"] == "ok"}
    assert set(by_name) == {"sanctions_feed"} | {f"sanctions_feed_{s}" for s in sources}
    assert all(d["version"] == index["latest"] for d in catalog["datasets"])
    assert by_name["sanctions_feed_jp_mof"]["publisher"] == {
        "name": "Japan Ministry of Finance", "country": "jp", "official": True,
        "url": index["sources"][[s["name"] for s in index["sources"]].index("jp_mof")]["url"]}
    manifest = json.loads((feeds / "latest" / "manifest.json").read_text())
    for dataset in catalog["datasets"]:
        assert dataset["resources"], dataset["name"]
        for resource in dataset["resources"]:
            name = resource["url"].removeprefix(f"{url}v/{index['latest']}/")
            assert manifest["files"][name]["sha256"] == resource["sha256"] and resource["size"] > 0
            assert resource["name"] == name.rsplit("/", 1)[-1]
        assert "entities.ftm.json" in {r["name"] for r in dataset["resources"]}
    deltas = json.loads((feeds / DELTA_INDEX).read_text())["versions"]
    assert list(deltas) == [v["id"] for v in index["versions"]]


def yente(catalog_url: str, base: str, data: Path) -> dict:
    if not YENTE_PYTHON.is_file():
        pytest.skip(f"no yente to read the catalog with ({YENTE_PYTHON} is missing: `make test-tools` makes it "
                    "with yente from PyPI where the registry answers)")
    probe = subprocess.run([str(YENTE_PYTHON), "-c", "import yente"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"{YENTE_PYTHON} cannot import yente: {probe.stderr.strip().splitlines()[-1:]}")
    env = {**os.environ, "YENTE_DATA_PATH": str(data), "YENTE_VERIFY_CHECKSUM": "true"}
    done = subprocess.run([str(YENTE_PYTHON), str(ROOT / "tests" / "yente_reads.py"), catalog_url, base],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_yente_finds_the_datasets_their_versions_and_entities_and_follows_the_deltas(served, tmp_path):
    feeds, url = served
    index = json.loads((feeds / "index.json").read_text())
    first, latest = index["versions"][0]["id"], index["latest"]
    seen = yente(url + CATALOG, first, tmp_path / "yente-data")
    feed = seen["scoped"]["sanctions_feed"]
    assert feed["load"] is True and feed["version"] == latest
    assert feed["entities_url"] == f"{url}v/{latest}/entities.ftm.json" and feed["delta_url"] == url + DELTA_INDEX
    assert set(feed["leaves"]) == {name for name in seen["unscoped"] if name != "sanctions_feed"}
    jp = seen["unscoped"]["sanctions_feed_jp_mof"]
    assert jp["load"] is True and jp["entities_url"] == f"{url}v/{latest}/sources/jp_mof/entities.ftm.json"
    assert jp["publisher"]["country"] == "jp" and seen["unscoped"]["sanctions_feed"]["load"] is False
    # a full load: every entity of the export, the file's SHA-1 checked against the catalog's
    export = [json.loads(line)["id"] for line in (feeds / "latest" / "entities.ftm.json").read_text().splitlines()]
    assert seen["full"]["ops"] == [["ADD", entity] for entity in export]
    own = [json.loads(line)["id"] for line in (feeds / "latest" / "sources" / "jp_mof" / "entities.ftm.json")
           .read_text().splitlines()]
    assert seen["source_full"]["ops"] == [["ADD", entity] for entity in own] and own
    # from the first release, yente applies the latest release's delta alone
    delta = [[op["op"], op["entity"]["id"]] for op in
             map(json.loads, (feeds / "latest" / "entities.delta.json").read_text().splitlines())]
    assert seen["from_base"]["incremental"] is True and seen["from_base"]["ops"] == delta and delta


def test_the_catalog_is_pushed_and_named_where_a_puller_expects_it():
    from sanctions_feed.publish.objects import ROOT_FILES

    assert {CATALOG, DELTA_INDEX} <= set(ROOT_FILES)
