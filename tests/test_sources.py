"""Sources are discovered: a new one is its module and its sample, with no edit anywhere else.
Also the commands that list, schedule and serve them, run as an operator would."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.ops import scheduler

THROWAWAY = '''
"""A throwaway source for the tests: a JSON list of {{id, address, label, holder}}."""

import json

from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.base import SanctionsSpider


class {cls}(SanctionsSpider):
    name = "{name}"
    {sample}
    default = False
    meta = SourceMeta(authority="Test Authority", title="A throwaway list", url="{url}",
                      schedule="7 3 * * *", expected_min=1, expected_max=10)

    async def start(self):
        yield self.request(self.source_url, callback=self.parse)

    def parse(self, response):
        self.record_raw(response.body, response.url)
        rows = json.loads(response.body)
        for row in rows:
            yield {{"listing": RawListing(source=self.name, source_record_id=row["id"], raw_address=row["address"],
                                         raw_label=row["label"], holder=Holder(name=row["holder"])).model_dump(mode="json")}}
        yield self.snapshot(response.url, None, len(rows))
'''
ROWS = [{"id": "T-1", "address": "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "label": "TRX", "holder": "A TEST HOLDER"},
        {"id": "T-2", "address": "0x901bb9583b24d97e995513c6778dc6888ab6870e", "label": "ETH", "holder": "ANOTHER"}]


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A directory of site-local sources, on the registry's search path for this test (and for
    the processes it starts)."""
    directory = tmp_path / "sources"
    (directory / "samples").mkdir(parents=True)
    monkeypatch.setenv("SANCTIONS_FEED_SOURCES_PATH", str(directory))
    yield directory
    for name in [n for n in sys.modules if n.startswith("sanctions_feed.spiders.zz_")]:
        del sys.modules[name]


def add_source(directory, name: str, url: str = "https://example.org/list.json", sample: bool = True):
    cls = "".join(part.title() for part in name.split("_")) + "Spider"
    (directory / f"{name}.py").write_text(THROWAWAY.format(
        cls=cls, name=name, url=url, sample=f'sample = "{name}.json"' if sample else ""))
    if sample:
        (directory / "samples" / f"{name}.json").write_text(json.dumps(ROWS))


def test_a_new_source_is_its_module_and_its_sample(tmp_path, plugin_dir):
    add_source(plugin_dir, "zz_throwaway")
    feeds = tmp_path / "feeds"
    result = CliRunner().invoke(cli, ["update", "--samples", "--only", "zz_throwaway", "--feeds", str(feeds),
                                      "--now", "2026-11-24T12:00:00Z"])
    assert result.exit_code == 0, result.output
    assert "zz_throwaway: 2 listings" in result.output
    published = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]
    assert {(a["id"], a["listings"][0]["holder"]) for a in published} == {
        ("tron:TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "A TEST HOLDER"),
        ("ethereum:0x901bb9583b24d97e995513c6778dc6888ab6870e", "ANOTHER")}
    listed = CliRunner().invoke(cli, ["sources", "--feeds", str(feeds)])
    assert listed.exit_code == 0
    line = next(x for x in listed.output.splitlines() if x.startswith("zz_throwaway:"))
    assert "Test Authority" in line and "[7 3 * * *]" in line and "ok, checked 2026-11-24" in line


def test_samples_for_a_source_without_one_is_a_clear_error(tmp_path, plugin_dir):
    add_source(plugin_dir, "zz_nosample", sample=False)
    result = CliRunner().invoke(cli, ["update", "--samples", "--only", "zz_nosample", "--feeds", str(tmp_path / "f")])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: zz_nosample: no bundled sample (the spider declares no `sample`): "
                                     "give --source zz_nosample=LOCATION or leave out --samples")
    assert not (tmp_path / "f" / "index.json").exists()


def test_a_declared_sample_that_is_missing_fails_at_import(plugin_dir):
    from sanctions_feed.spiders import load_sources

    add_source(plugin_dir, "zz_broken")
    (plugin_dir / "samples" / "zz_broken.json").unlink()
    with pytest.raises(TypeError, match=r"ZzBrokenSpider.sample 'zz_broken.json': .* does not exist"):
        load_sources()


def test_a_source_named_unlike_its_module_is_refused(plugin_dir):
    from sanctions_feed.spiders import SourceDefinitionError, load_sources

    add_source(plugin_dir, "zz_renamed")
    module = plugin_dir / "zz_renamed.py"
    module.write_text(module.read_text().replace('name = "zz_renamed"', 'name = "zz_other"'))
    with pytest.raises(SourceDefinitionError, match="named 'zz_other', expected the module's name 'zz_renamed'"):
        load_sources()


def test_sources_lists_every_source_before_any_run(tmp_path):
    result = CliRunner().invoke(cli, ["sources", "--feeds", str(tmp_path / "feeds")])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    from sanctions_feed.spiders import source_names

    assert [line.split(":")[0] for line in lines] == source_names()
    assert all(line.endswith("(never run)") for line in lines)
    ofac = next(line for line in lines if line.startswith("ofac_sdn:"))
    assert ofac.startswith("ofac_sdn:") and "US Treasury OFAC" in ofac and "https://sanctionslistservice.ofac.treas.gov/" in ofac


def test_the_scheduler_job_runs_an_update_in_a_fresh_process(tmp_path, plugin_dir, monkeypatch):
    """The job target itself, as APScheduler calls it (with only the source's name): the
    source's live URL (here a local file), the store from the scheduler's own settings."""
    live = tmp_path / "live.json"
    live.write_text(json.dumps(ROWS[:1]))
    add_source(plugin_dir, "zz_scheduled", url=live.as_uri())
    feeds = tmp_path / "feeds"
    monkeypatch.setattr(scheduler, "SETTINGS", scheduler.RunSettings(feeds=str(feeds), db=f"sqlite:///{tmp_path}/store.db"))
    assert scheduler.run_source("zz_scheduled") == 0
    assert (tmp_path / "store.db").exists() and not (tmp_path / "feeds.db").exists()
    index = json.loads((feeds / "index.json").read_text())
    assert index["latest"] and [s["name"] for s in index["sources"]] == ["zz_scheduled"]
    live.write_text("not json")
    assert scheduler.run_source("zz_scheduled") == 1
    assert json.loads((feeds / "index.json").read_text())["latest"] == index["latest"]


def test_serve_command_serves_the_feed(tmp_path):
    feeds = tmp_path / "feeds"
    assert CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(feeds)]).exit_code == 0
    server = subprocess.Popen([sys.executable, "-m", "sanctions_feed", "serve", "--feeds", str(feeds), "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith(f"serving {feeds.resolve()} on http://127.0.0.1:")
        base = line.split(" on ", 1)[1].strip()
        with urllib.request.urlopen(base + "index.json", timeout=5) as response:
            index = json.loads(response.read())
        assert response.status == 200 and index["latest"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_without_a_feed_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--feeds", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no feed directory" in result.output


def test_the_package_installs_under_one_namespace():
    """No generic top-level name: `import spiders` fails outside a checkout and inside one."""
    for name in ("spiders", "normalize", "publish", "schemas"):
        probe = subprocess.run([sys.executable, "-P", "-c", f"import {name}"], capture_output=True, text=True,
                               cwd="/")
        assert probe.returncode != 0
        probe = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                               cwd=str(__import__("pathlib").Path(__file__).parent.parent))
        assert f"import this package as sanctions_feed.{name}" in probe.stderr
    code = textwrap.dedent("""
        import sanctions_feed.spiders, sanctions_feed.normalize, sanctions_feed.publish, sanctions_feed.schemas
    """)
    assert subprocess.run([sys.executable, "-P", "-c", code], cwd="/").returncode == 0


BUGGY = '''
"""A source whose parser has a bug: it fails on every file."""

from sanctions_feed.schemas.source import SourceMeta

from .framework.onefile import OneFileSpider


class ZzBuggySpider(OneFileSpider):
    name = "zz_buggy"
    document_kind = "JSON"
    default = False
    meta = SourceMeta(authority="Test Authority", title="A parser with a bug", url="https://example.org/l.json",
                      schedule="7 3 * * *")

    def parse_file(self, document, url):
        columns = {}
        yield from columns["addresses"]
'''


@pytest.mark.e2e
def test_a_parser_bug_keeps_its_traceback_and_names_where(tmp_path, plugin_dir):
    """Before: the exception became one string and the child's log was deleted with its directory."""
    (plugin_dir / "zz_buggy.py").write_text(BUGGY)
    listing = tmp_path / "list.json"
    listing.write_text("[]")
    args = ["update", "--only", "zz_buggy", "--source", f"zz_buggy={listing}", "--feeds", str(tmp_path / "feeds"),
            "--archive", str(tmp_path / "archive")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "zz_buggy: KeyError: 'addresses' (traceback kept in " in line, line
    kept = Path(line.split("(traceback kept in ", 1)[1].split(")", 1)[0])
    assert kept.parent == (tmp_path / "archive" / "failures").resolve()
    text = kept.read_text()
    assert "Traceback (most recent call last)" in text and 'yield from columns["addresses"]' in text
    debug = CliRunner().invoke(cli, ["--debug", *args])
    assert 'yield from columns["addresses"]' in debug.output  # the child's traceback, not only the parent's
