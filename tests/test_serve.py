"""Serving the feed: ETags, conditional GETs, cache headers, nothing outside the feed dir."""

from __future__ import annotations

import gzip
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.serve import IMMUTABLE, MUTABLE, make_server


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    feeds = root / "feeds"
    assert CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(feeds),
                                    "--now", "2026-11-24T12:00:00Z"]).exit_code == 0
    (root / "secret.txt").write_text("outside")
    (feeds / "escape").symlink_to(root / "secret.txt")
    server = make_server(feeds, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", feeds
    server.shutdown()
    server.server_close()


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def test_etag_and_conditional_get(served):
    base, feeds = served
    status, headers, body = get(f"{base}/latest/addresses.json")
    assert status == 200 and body == (feeds / "latest" / "addresses.json").read_bytes()
    assert headers["Content-Type"] == "application/json" and headers["Cache-Control"] == MUTABLE
    version = (feeds / "latest").readlink().name
    status, release_headers, _ = get(f"{base}/v/{version}/addresses.json")
    assert status == 200 and release_headers["Cache-Control"] == IMMUTABLE
    assert release_headers["ETag"] == headers["ETag"]
    status, again, body = get(f"{base}/latest/addresses.json", **{"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b"" and again["ETag"] == headers["ETag"]
    status, index_headers, _ = get(f"{base}/index.json")
    assert status == 200 and index_headers["Cache-Control"] == MUTABLE


def test_the_site_is_served_with_its_types(served):
    base, _feeds = served
    for path, kind in (("site/index.html", "text/html"), ("site/site.css", "text/css"),
                       ("site/site.js", "text/javascript"), ("site/chart-sources.svg", "image/svg+xml"),
                       ("site/sources/ofac_sdn.html", "text/html")):
        status, headers, body = get(f"{base}/{path}")
        assert status == 200 and headers["Content-Type"].startswith(kind) and body, path
        assert headers["Cache-Control"] == MUTABLE


def test_pages_are_served_with_their_content_security_policy(served):
    """The same policy as the pages' <meta>, plus what only a header can say (frame-ancestors)."""
    from sanctions_feed.publish.html import CONTENT_SECURITY_POLICY

    base, feeds = served
    for path in ("site/index.html", "latest/changes.html", "site/chart-sources.svg"):
        status, headers, _ = get(f"{base}/{path}")
        assert status == 200 and headers["Content-Security-Policy"] == f"{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'"
        assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = get(f"{base}/latest/addresses.json")
    assert "Content-Security-Policy" not in headers and headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/escape", "/v", "/..%2fsecret.txt",
                                  "/latest/../../secret.txt", "/.hidden", "/nothing.json"])
def test_nothing_outside_the_feed_dir(served, path):
    base, _ = served
    status, _, body = get(base + path)
    assert status == 404 and b"outside" not in body


def test_gzip_for_clients_that_accept_it_with_its_own_etag(served):
    base, feeds = served
    url = f"{base}/latest/addresses.json"
    plain = get(url)
    status, headers, body = get(url, **{"Accept-Encoding": "br, gzip;q=0.8"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == (feeds / "latest" / "addresses.json").read_bytes()
    assert int(headers["Content-Length"]) == len(body) < len(plain[2])
    assert headers["ETag"] != plain[1]["ETag"] and headers["ETag"].endswith('-gzip"')
    assert plain[1]["Vary"] == "Accept-Encoding" and "Content-Encoding" not in plain[1]
    assert get(url, **{"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, **{"Accept-Encoding": "gzip", "If-None-Match": plain[1]["ETag"]})[0] == 200
    refused = get(url, **{"Accept-Encoding": "gzip;q=0"})
    assert refused[0] == 200 and "Content-Encoding" not in refused[1] and refused[2] == plain[2]
    head = urllib.request.urlopen(urllib.request.Request(url, method="HEAD", headers={"Accept-Encoding": "gzip"}),
                                  timeout=5)
    assert head.headers["Content-Length"] == headers["Content-Length"] and head.read() == b""


def test_a_weak_etag_matches(served):
    base, _ = served
    _, headers, _ = get(f"{base}/latest/addresses.json")
    status, _, body = get(f"{base}/latest/addresses.json", **{"If-None-Match": f'W/{headers["ETag"]}, "other"'})
    assert status == 304 and body == b""


def test_a_path_segment_over_255_bytes_is_a_404_and_the_server_goes_on(served):
    base, _ = served
    assert get(f"{base}/{'a' * 300}.json")[0] == 404
    assert get(f"{base}/v/{urllib.parse.quote('é' * 200)}/addresses.json")[0] == 404  # 400 bytes
    assert get(f"{base}/index.json")[0] == 200


def test_an_idle_connection_is_closed(tmp_path):
    import socket
    import time

    server = make_server(tmp_path, "127.0.0.1", 0, idle_timeout=0.5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert server.request_queue_size >= 128
        with socket.create_connection(server.server_address, timeout=5) as idle:
            start = time.monotonic()
            assert idle.recv(1024) == b""  # the server hung up on the silent client
            assert time.monotonic() - start < 4
    finally:
        server.shutdown()
        server.server_close()


def test_running_out_of_descriptors_does_not_spin(tmp_path, monkeypatch):
    import errno
    import time

    server = make_server(tmp_path, "127.0.0.1", 0)
    try:
        class Exhausted:
            def accept(self):
                raise OSError(errno.EMFILE, "Too many open files")

        real = server.socket
        monkeypatch.setattr(server, "socket", Exhausted())
        start = time.monotonic()
        with pytest.raises(OSError):
            server.get_request()
        assert time.monotonic() - start >= 0.1  # it waits before the next accept
    finally:
        monkeypatch.setattr(server, "socket", real)
        server.server_close()


def test_a_poller_during_30_releases_gets_only_whole_bodies_whose_etag_matches(tmp_path):
    """Before: 3 of 17,247 polls truncated, and 10,286 of 23,897 ETags not the body's (the cache
    keyed on mtime and size) while publish replaced the files."""
    import hashlib
    import json
    from datetime import date, datetime, timedelta, timezone

    from sanctions_feed.publish.release import publish
    from sanctions_feed.schemas.feed import FeedAddress

    feeds = tmp_path / "feeds"
    start = datetime(2026, 11, 24, tzinfo=timezone.utc)

    def addresses(n):
        return [FeedAddress(id=f"tron:T{i:033d}", chain="tron", address=f"T{i:033d}", display=f"T{i:033d}",
                            kind="address", validity="valid", issues=[], assets=[], status="active",
                            first_seen=date(2026, 1, 1), listings=[]) for i in range(n * 7 % 50 + 1)]

    publish(feeds, addresses(0), [], [], start)
    server = make_server(feeds, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    stop, polls, bad = threading.Event(), [0], []

    def poll():
        while not stop.is_set():
            for path in ("/index.json", "/latest/manifest.json", "/latest/addresses.json"):
                status, headers, body = get(base + path)
                polls[0] += 1
                if status != 200:
                    continue  # a 404 between releases would be a bug too: checked below
                digest = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                if len(body) != int(headers["Content-Length"]) or headers["ETag"] != digest:
                    bad.append((path, len(body), headers))
                json.loads(body)

    pollers = [threading.Thread(target=poll) for _ in range(3)]
    for thread in pollers:
        thread.start()
    try:
        for n in range(1, 31):
            publish(feeds, addresses(n), [], [], start + timedelta(minutes=n))
    finally:
        stop.set()
        for thread in pollers:
            thread.join(timeout=10)
        server.shutdown()
        server.server_close()
    assert polls[0] > 100 and bad == []
