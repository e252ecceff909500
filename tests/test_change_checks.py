"""A change costs one small request: each source's cheapest change signal, the streamed download
that replaces Scrapy's in-memory body for the one-file sources, and what an unchanged source
costs (no parse, no store, no release)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.pipeline.crawl import CRAWL_PREFIX, code_fingerprint, known_inputs, remove_stale_crawls
from sanctions_feed.spiders import load_sources
from sanctions_feed.spiders.eu_fsf import EuFsfSpider
from sanctions_feed.spiders.fr_tresor import FrTresorSpider
from sanctions_feed.spiders.framework import settings
from sanctions_feed.spiders.framework.download import DownloadError, fetch
from sanctions_feed.spiders.jp_mof import JpMofSpider

from .spider_driver import drive

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
MODIFIED = format_datetime(datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc), usegmt=True)


class Site:
    """A loopback web server whose answers a test sets per path: a body (served with an ETag and
    Last-Modified, honouring If-None-Match and HEAD), or a list of (status, headers, body)
    answers given in turn. Every request is recorded (method, path, headers)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.scripts: dict[str, list[tuple[int, dict, bytes]]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                site.answer(self, body=True)

            def do_HEAD(self):
                site.answer(self, body=False)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, handler, body: bool) -> None:
        path = handler.path
        self.requests.append((handler.command, path, dict(handler.headers)))
        if path in self.scripts and self.scripts[path]:
            status, headers, payload = self.scripts[path].pop(0)
        elif path in self.files:
            payload = self.files[path]
            etag = '"' + hashlib.sha256(payload).hexdigest()[:16] + '"'
            headers = {"ETag": etag, "Last-Modified": MODIFIED}
            status = 304 if handler.headers.get("If-None-Match") == etag else 200
            payload = b"" if status == 304 else payload
        else:
            status, headers, payload = 404, {}, b"<html><head><title>404 Not Found</title></head></html>"
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", headers.get("Content-Length", str(len(payload))))
        handler.end_headers()
        if body:
            handler.wfile.write(payload)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    server = Site()
    yield server
    server.close()


def run(feeds: Path, *args, now="2026-11-25T12:00:00Z"):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args])


def sample(name: str) -> bytes:
    return load_sources()[name].sample_path().read_bytes()


# The streamed download

def test_a_download_is_streamed_to_a_file_and_hashed_on_the_way(site, tmp_path):
    site.files["/list.xml"] = body = sample("eu_fsf")
    document = fetch(f"{site.base}/list.xml", tmp_path)
    assert document.body is None and document.path.parent == tmp_path  # never held in memory
    assert document.path.read_bytes() == body and document.sha256 == hashlib.sha256(body).hexdigest()
    assert document.size == len(body) and document.headers["etag"].startswith('"')
    (_, _, headers), = site.requests
    assert headers["User-Agent"] == settings.USER_AGENT


def test_a_busy_server_is_asked_again_after_the_wait_it_names(site, tmp_path):
    site.scripts["/list.xml"] = [(503, {"Retry-After": "0"}, b"busy"), (429, {"Retry-After": "0"}, b"slow down"),
                                 (200, {}, b"<export/>")]
    document = fetch(f"{site.base}/list.xml", tmp_path)
    assert document.status == 200 and document.read() == b"<export/>" and len(site.requests) == 3


def test_a_body_cut_short_is_fetched_again_and_never_kept(site, tmp_path):
    site.scripts["/list.xml"] = [(200, {"Content-Length": "100"}, b"<export>cut"), (200, {}, b"<export/>")]
    document = fetch(f"{site.base}/list.xml", tmp_path)
    assert document.read() == b"<export/>"
    assert [p.name for p in tmp_path.iterdir()] == [document.path.name]  # the cut copy is gone


def test_an_error_answer_is_returned_for_its_reason_after_the_retries(site, tmp_path):
    site.scripts["/list.xml"] = [(502, {"Retry-After": "0"}, b"<html><title>Bad Gateway</title></html>")] * 2
    document = fetch(f"{site.base}/list.xml", tmp_path, retries=1)
    assert document.status == 502 and b"Bad Gateway" in document.head() and len(site.requests) == 2
    missing = fetch(f"{site.base}/missing.xml", tmp_path)
    assert missing.status == 404 and len(site.requests) == 3  # a 404 is not retried


def test_a_file_above_the_size_limit_is_refused_and_not_kept(site, tmp_path):
    site.files["/list.xml"] = b"x" * 5000
    with pytest.raises(DownloadError, match="5000 bytes, more than the 1000 allowed"):
        fetch(f"{site.base}/list.xml", tmp_path, max_bytes=1000)
    site.scripts["/chunked.xml"] = [(200, {"Content-Length": ""}, b"x" * 5000)]
    with pytest.raises(DownloadError, match="more than the 1000 bytes allowed"):
        fetch(f"{site.base}/chunked.xml", tmp_path, max_bytes=1000)
    assert not list(tmp_path.iterdir())


def test_a_server_that_cannot_be_reached_is_one_reason(tmp_path):
    with pytest.raises(DownloadError, match="download failed after 2 attempts"):
        fetch("http://127.0.0.1:9/list.xml", tmp_path, retries=1)


def test_a_replayed_local_file_is_read_where_it_lies(tmp_path):
    path = tmp_path / "list.xml"
    path.write_bytes(b"<export/>")
    document = fetch(path.as_uri(), tmp_path / "elsewhere")
    assert document.path == path and document.sha256 == hashlib.sha256(b"<export/>").hexdigest()


# Each source's change signal (driven offline: which requests, and what comes of them)

def known(url: str, sha256: str = "0" * 64, **signals) -> dict:
    return {"sha256": sha256, "signals": {"url": url, "verified_at": (NOW - timedelta(hours=1)).isoformat(), **signals}}


def test_dg_tresor_is_checked_by_its_publication_date_alone():
    url = "https://gels-avoirs.dgtresor.gouv.fr/ApiPublic/api/v1/publication/derniere-publication-fichier-json"
    spider = FrTresorSpider(now=NOW, location=url, known=known(url, signal="2026-11-20T17:05:00"))
    items, requests = drive(spider, lambda r: (200, b"2026-11-20T17:05:00"))
    assert [r.url for r in requests] == [url.replace("derniere-publication-fichier-json", "derniere-publication-date")]
    assert items == [{"unchanged": {"reason": "the publisher's change signal is the same: 2026-11-20T17:05:00",
                                    "signals": {**known(url)["signals"], "signal": "2026-11-20T17:05:00"}}}]


def test_the_eu_file_is_checked_by_the_checksum_served_beside_it():
    url = EuFsfSpider.meta.url
    body = sample("eu_fsf")
    answers = {url.replace("/content?", "/checksum?"): b"9f86d081884c7d65\n", url: body}
    spider = EuFsfSpider(now=NOW, location=url, known=known(url, signal="0b1c2d3e"))
    items, requests = drive(spider, lambda r: (200, answers[r.url]))
    assert [r.url for r in requests] == [url.replace("/content?", "/checksum?"), url]  # a new checksum: the file
    (snapshot,) = [i["snapshot"] for i in items if "snapshot" in i]
    assert snapshot["signals"]["signal"] == "9f86d081884c7d65"
    assert "signal_changed_at" not in snapshot["signals"]  # the new file came with it: nothing to settle


def test_a_signal_is_not_trusted_for_more_than_a_day():
    url = EuFsfSpider.meta.url
    stale = known(url, signal="9f86d081884c7d65")
    stale["signals"]["verified_at"] = (NOW - timedelta(hours=25)).isoformat()
    items, requests = drive(EuFsfSpider(now=NOW, location=url, known=stale),
                            lambda r: (200, b"9f86d081884c7d65" if "checksum" in r.url else sample("eu_fsf")))
    assert len(requests) == 2 and any("snapshot" in i for i in items)


def test_an_announced_publication_not_yet_served_is_fetched_again_until_it_settles():
    """The checksum changed but the file served is the one we have: the new signal is kept with
    the time it changed, and the next checks fetch the file again for a while."""
    url, body = EuFsfSpider.meta.url, sample("eu_fsf")
    state = known(url, hashlib.sha256(body).hexdigest(), signal="old")
    spider = EuFsfSpider(now=NOW, location=url, known=state)
    items, _ = drive(spider, lambda r: (200, b"new" if "checksum" in r.url else body))
    (unchanged,) = items
    assert unchanged["unchanged"]["reason"] == "the same sha256 as the last good input"
    signals = unchanged["unchanged"]["signals"]
    assert signals["signal"] == "new" and signals["signal_changed_at"] == NOW.isoformat()
    later = EuFsfSpider(now=NOW, location=url, known={"sha256": state["sha256"], "signals": signals})
    _, requests = drive(later, lambda r: (200, b"new" if "checksum" in r.url else body))
    assert len(requests) == 2  # still settling: fetched and hashed


def test_a_signal_that_cannot_be_read_is_a_warning_and_the_file_is_fetched(caplog):
    url = FrTresorSpider.meta.url
    spider = FrTresorSpider(now=NOW, location=url, known=known(url, signal="2026-11-20"))
    items, requests = drive(spider, lambda r: (200, sample("fr_tresor")) if r.url == url
                            else (200, b"<html><title>Maintenance</title></html>"))
    assert len(requests) == 2 and any("snapshot" in i for i in items)
    assert "the change signal" in caplog.text and "the file is fetched in full" in caplog.text


def test_the_japanese_list_page_is_the_signal():
    page = b'<html><a href="/files/shisantouketsu20260305.xlsx">list</a></html>'
    url = JpMofSpider.meta.url
    newest = "https://www.mof.go.jp/files/shisantouketsu20260305.xlsx"
    items, requests = drive(JpMofSpider(now=NOW, location=url, known=known(url, signal=newest)), lambda r: (200, page))
    assert len(requests) == 1 and items[0]["unchanged"]["reason"] == f"the publisher's change signal is the same: {newest}"


# Whole updates against loopback servers

def served_twice(tmp_path, site, name: str, path: str) -> str:
    """Publish source `name` from `site` at `path`, then update again: the second run's output
    (the requests it made are what `site` holds then)."""
    site.files[path] = sample(name)
    feeds, source = tmp_path / "feeds", ("--only", name, "--source", f"{name}={site.base}{path}")
    assert run(feeds, *source).output.startswith("published ")
    site.requests.clear()
    return run(feeds, *source, now="2026-11-25T12:20:00Z").output


@pytest.mark.e2e
def test_a_server_that_honours_etags_answers_304_and_nothing_is_read_again(tmp_path, site):
    second = served_twice(tmp_path, site, "eu_fsf", "/eu.xml")
    assert "eu_fsf: unchanged (HTTP 304, not modified since the last good input)" in second, second
    ((method, path, headers),) = site.requests
    assert method == "GET" and headers["If-None-Match"].startswith('"') and headers["If-Modified-Since"] == MODIFIED


@pytest.mark.e2e
def test_the_uk_file_is_checked_with_one_head_request(tmp_path, site):
    second = served_twice(tmp_path, site, "gb_fcdo", "/docs/UK-Sanctions-List.xml")
    assert f"gb_fcdo: unchanged (the publisher's change signal is the same: Last-Modified {MODIFIED}" in second
    assert [(method, path) for method, path, _ in site.requests] == [("HEAD", "/docs/UK-Sanctions-List.xml")]


def test_reparse_reads_an_unchanged_source_again(tmp_path):
    feeds = tmp_path / "feeds"
    run(feeds, "--samples", "--only", "fr_tresor")
    assert "fr_tresor: unchanged" in run(feeds, "--samples", "--only", "fr_tresor", now="2026-11-25T13:00:00Z").output
    again = run(feeds, "--samples", "--only", "fr_tresor", "--reparse", now="2026-11-25T14:00:00Z")
    assert "fr_tresor: 9 listings" in again.output


def test_a_source_read_by_other_parsing_code_is_read_again(tmp_path, monkeypatch):
    feeds = tmp_path / "feeds"
    run(feeds, "--samples", "--only", "fr_tresor")
    assert set(known_inputs(feeds)) == {"fr_tresor"}
    index = json.loads((feeds / "index.json").read_text())
    assert index["sources"][0]["signals"]["code"] == code_fingerprint()
    index["sources"][0]["signals"]["code"] = "an older parser"
    (feeds / "index.json").write_text(json.dumps(index))
    assert known_inputs(feeds) == {}


# Temporary directories

def test_the_crawl_directories_of_killed_updates_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f"{CRAWL_PREFIX}{dead.stdout.strip()}-abc"
    mine = tmp_path / f"{CRAWL_PREFIX}{os.getpid()}-def"
    for folder in (gone, mine):
        folder.mkdir()
        (folder / "download-1").write_bytes(b"x")
    assert remove_stale_crawls(tmp_path) == [gone]
    assert not gone.exists() and mine.exists()


# The operator's progress line

def test_a_parse_reports_how_far_it_has_read_and_the_line_shows_it(tmp_path, capsys):
    from sanctions_feed.pipeline.crawl import progress_line
    from sanctions_feed.spiders.framework.download import Document
    from sanctions_feed.spiders.ofac_sdn import open_xml

    from .servers import sample_zip

    path = tmp_path / "SDN_ADVANCED.ZIP"
    path.write_bytes(sample_zip())
    seen: list[tuple[int, int]] = []
    document = Document(url=path.as_uri(), size=path.stat().st_size, path=path,
                        progress=lambda done, total: seen.append((done, total)))
    with open_xml(document) as stream:  # a ZIP: read through seeks
        assert stream.read().startswith(b"<?xml")
    assert seen and seen[-1] == (path.stat().st_size, path.stat().st_size)
    (tmp_path / "ofac_sdn.progress").write_text(json.dumps({"phase": "parsing", "done": 12_000_000, "total": 120_000_000}))
    (tmp_path / "eu_fsf.progress").write_text(json.dumps({"phase": "downloading", "done": 2_500_000, "total": None}))
    progress_line(tmp_path)
    assert capsys.readouterr().err == "\r\033[Keu_fsf: downloading 2.5 MB; ofac_sdn: parsing 12.0/120.0 MB"
