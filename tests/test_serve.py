"""Serving the feed: ETags, conditional GETs, cache headers, nothing outside the feed dir."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from sanctions_feed.cli import cli
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


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/escape", "/v", "/..%2fsecret.txt",
                                  "/latest/../../secret.txt", "/.hidden", "/nothing.json"])
def test_nothing_outside_the_feed_dir(served, path):
    base, _ = served
    status, _, body = get(base + path)
    assert status == 404 and b"outside" not in body
