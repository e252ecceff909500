"""One interpreter where Scrapy is not needed (issue 25): the one-file sources run in the update's
own process, with nothing of Scrapy or Twisted imported and no crawler child started; a run that
names a source Scrapy crawls keeps the child."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sanctions_feed.spiders import load_sources
from sanctions_feed.spiders.framework.onefile import OneFileSpider
from sanctions_feed.spiders.framework.runner import without_scrapy

PROBE = """
import subprocess, sys
started = []
real = subprocess.Popen
def popen(args, *a, **k):
    started.append(args)
    return real(args, *a, **k)
subprocess.Popen = popen
from sanctions_feed.commands import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    print("children", [a for a in started if "runner" in " ".join(map(str, a))], file=sys.stderr)
    print("imported", sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted")), file=sys.stderr)
"""


def probe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, "update", "--feeds", str(tmp_path / "feeds"),
                           "--now", "2026-11-25T12:00:00Z", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.e2e
def test_one_file_sources_run_in_the_update_process_without_scrapy(tmp_path):
    sources = load_sources()
    args = [f"--source={name}={sources[name].sample_path()}" for name in ("ofac_sdn", "eu_fsf")]
    result = probe(tmp_path, "--only", "ofac_sdn", "--only", "eu_fsf", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("published ") and "ofac_sdn: " in result.stdout and "eu_fsf: " in result.stdout
    assert "children []" in result.stderr and "imported []" in result.stderr, result.stderr


@pytest.mark.e2e
def test_a_source_scrapy_crawls_keeps_the_crawler_child(tmp_path):
    nbctf = load_sources()["il_nbctf"].sample_path()
    result = probe(tmp_path, "--only", "il_nbctf", f"--source=il_nbctf={nbctf}")
    assert result.returncode == 0, result.stderr
    assert "children [[" in result.stderr and "imported []" in result.stderr  # Scrapy only in the child


@pytest.mark.parametrize(("names", "direct"), [
    (["ofac_sdn"], True), (["eu_fsf", "gb_fcdo", "fr_tresor", "us_fbi"], True),
    (["ofac_sdn", "il_nbctf"], False), (["jp_mof"], False), (["ofac_sdn_legacy"], False), ([], False),
])
def test_which_runs_need_no_scrapy(names, direct):
    assert (without_scrapy(names, {}, True) is not None) is direct


def test_the_one_file_sources_are_the_ones_the_issue_names():
    one_file = sorted(name for name, source in load_sources().items() if issubclass(source, OneFileSpider))
    assert one_file == ["eu_fsf", "fr_tresor", "gb_fcdo", "ofac_sdn", "us_fbi"]


def test_on_a_terminal_the_sources_run_in_a_thread_beside_the_progress_line(capsys):
    from datetime import datetime, timezone

    from sanctions_feed.pipeline.crawl import Crawl

    with Crawl(["fr_tresor"], {}, True, datetime(2026, 11, 25, tzinfo=timezone.utc)) as crawl:
        assert crawl.child is None  # in this process
        (run,) = crawl.results(show_progress=True)
    assert run.error is None and len(run.listings) == 10 and run.snapshot is not None
    assert "\r\033[K" in capsys.readouterr().err  # the line is cleared at the end


def test_a_source_that_fails_in_this_process_fails_alone_with_its_reason(tmp_path):
    from datetime import datetime, timezone

    from sanctions_feed.pipeline.crawl import Crawl

    broken = tmp_path / "sdn.xml"
    broken.write_text("<html><title>Service Unavailable</title></html>")
    fr = load_sources()["fr_tresor"].sample_path()
    with Crawl(["ofac_sdn", "fr_tresor"], {"ofac_sdn": str(broken), "fr_tresor": str(fr)}, False,
               datetime(2026, 11, 25, tzinfo=timezone.utc)) as crawl:
        assert crawl.child is None
        ofac, france = crawl.results()
    assert ofac.error and ofac.error.startswith(f"ofac_sdn: {broken}:") and not ofac.listings
    assert france.error is None and len(france.listings) == 10


def test_what_a_source_warns_of_in_this_process_reaches_its_run_once(tmp_path, capsys):
    """Its warnings go to the run (the update relays them: summary, stderr, index.json) and to
    the crawl's log, not a second time to this process's stderr."""
    import json
    from datetime import datetime, timezone

    from sanctions_feed.pipeline.crawl import Crawl

    data = json.loads(load_sources()["fr_tresor"].sample_path().read_text(encoding="utf-8"))
    data["Publications"]["PublicationDetail"][0]["NouveauChamp"] = "une valeur"
    changed = tmp_path / "fr.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with Crawl(["fr_tresor"], {"fr_tresor": str(changed)}, False, datetime(2026, 11, 25, tzinfo=timezone.utc)) as crawl:
        (run,) = crawl.results()
        log = (crawl.out / "stderr.log").read_text(encoding="utf-8")
    assert any("unconsumed fields" in w and "NouveauChamp" in w for w in run.warnings), run.warnings
    assert run.unconsumed and "NouveauChamp" in log
    assert "NouveauChamp" not in capsys.readouterr().err


def test_the_one_file_sources_download_side_by_side(tmp_path):
    """A server that answers each file only once both are asked for: run one after the other,
    the first would wait for nothing and fail its time limit."""
    import contextlib
    import http.server
    import threading
    from datetime import datetime, timezone

    from sanctions_feed.pipeline.crawl import Crawl

    sources = load_sources()
    files = {"/eu.xml": sources["eu_fsf"].sample_path().read_bytes(),
             "/fr.json": sources["fr_tresor"].sample_path().read_bytes()}
    both = threading.Barrier(2, timeout=20)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with contextlib.suppress(threading.BrokenBarrierError):  # the test then fails on `broken`
                both.wait()
            body = files.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Crawl(["eu_fsf", "fr_tresor"], {"eu_fsf": f"{base}/eu.xml", "fr_tresor": f"{base}/fr.json"}, False,
                   datetime(2026, 11, 25, tzinfo=timezone.utc), source_timeout=10) as crawl:
            assert crawl.child is None
            eu, france = crawl.results()
    finally:
        server.shutdown()
        server.server_close()
    assert eu.error is None and france.error is None, (eu.error, france.error)
    assert not both.broken
