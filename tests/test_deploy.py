"""The deployment recipe (`deploy/`), tested: Debian's nginx started with our site file against a
demo feed (its root, listen address and upstream rewritten), answering with the headers pullers
rely on; the systemd units say what README promises. Skipped with the reason where nginx is not
installed (`make test` installs nginx-light where it runs as root with apt)."""

from __future__ import annotations

import configparser
import gzip
import http.client
import http.server
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parent.parent / "deploy"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def nginx(sample_feed, tmp_path_factory):
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light; `make test` does it as root)")
    root = tmp_path_factory.mktemp("nginx")
    feeds = root / "feeds"
    shutil.copytree(sample_feed, feeds, symlinks=True)
    (feeds / ".tmp-20991231T000000Z-1").mkdir()
    (feeds / ".tmp-20991231T000000Z-1" / "manifest.json").write_text("{}")
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    site = (DEPLOY / "nginx-sanctions-feed.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("root /srv/sanctions-feed/feeds;",
                                                                          f"root {feeds};")
    site = site.replace("proxy_pass http://127.0.0.1:8080;", f"proxy_pass http://127.0.0.1:{upstream.server_address[1]};")
    (root / "site.conf").write_text(site)
    temp = "".join(f"{kind}_temp_path {root}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (root / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n"
        + ("user root;\n" if Path("/proc/self").owner() == "root" else "")
        + f"events {{}}\nhttp {{\naccess_log off;\ndefault_type application/octet-stream;\n{temp}include {root}/site.conf;\n}}\n")
    process = subprocess.Popen([binary, "-p", str(root), "-c", str(root / "nginx.conf")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"nginx did not start: {process.stdout.read().decode()}")
            time.sleep(0.05)
    yield port, feeds
    process.terminate()
    process.wait(10)
    upstream.shutdown()


def get(port: int, path: str, **headers) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body


def latest_id(feeds: Path) -> str:
    return (feeds / "latest").resolve().name


def test_a_release_file_is_immutable_with_an_etag_and_a_304(nginx):
    port, feeds = nginx
    status, headers, body = get(port, f"/v/{latest_id(feeds)}/addresses.json")
    assert status == 200 and body == (feeds / "latest" / "addresses.json").read_bytes()
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"].startswith("application/json") and headers["etag"]
    again, _, empty = get(port, f"/v/{latest_id(feeds)}/addresses.json", **{"If-None-Match": headers["etag"]})
    assert again == 304 and empty == b""


@pytest.mark.parametrize("path", ["/index.json", "/latest/manifest.json", "/site/index.html"])
def test_the_pointers_and_the_site_are_revalidated(nginx, path):
    port, _ = nginx
    status, headers, _ = get(port, path)
    assert status == 200 and headers["cache-control"] == "public, max-age=60, must-revalidate"
    assert "script-src 'self'" in headers["content-security-policy"]


def test_json_and_csv_are_sent_compressed_to_a_client_that_accepts_gzip(nginx):
    port, feeds = nginx
    for name in ("addresses.json", "addresses.csv"):
        status, headers, body = get(port, f"/latest/{name}", **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip" and "accept-encoding" in headers["vary"].lower()
        assert gzip.decompress(body) == (feeds / "latest" / name).read_bytes()


def test_an_older_release_kept_packed_is_served_at_its_own_urls(nginx):
    """`gzip_static always; gunzip on;`: a file kept as `.gz` alone (update --plain-releases) is
    sent as it is to a client that accepts gzip, and unpacked for the others."""
    from sanctions_feed.publish.at_rest import pack_release

    port, feeds = nginx
    older = feeds / "v" / "20000101T000000Z"
    shutil.copytree(feeds / "latest", older)
    written = {name: (older / name).read_bytes() for name in ("addresses.json", "changes.csv", "chains/ethereum.txt")}
    pack_release(older, None)
    for name, data in written.items():
        assert not (older / name).exists()
        status, headers, body = get(port, f"/v/{older.name}/{name}")
        assert status == 200 and body == data and "content-encoding" not in headers, name
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        status, headers, body = get(port, f"/v/{older.name}/{name}", **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip" and gzip.decompress(body) == data, name


def test_hidden_files_are_never_served_and_root_leads_to_the_site(nginx):
    port, _ = nginx
    assert get(port, "/.tmp-20991231T000000Z-1/manifest.json")[0] == 404
    status, headers, _ = get(port, "/")
    assert status == 302 and headers["location"].endswith("/site/index.html")


def test_the_screening_api_is_proxied(nginx):
    port, _ = nginx
    status, _, body = get(port, "/v1/health")
    assert status == 200 and body == b'{"status": "ok"}'


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text().replace("\\\n", " "))
    return parser


def test_the_scheduler_unit_runs_as_its_own_user_restarts_and_only_reads_the_key():
    service = unit("sanctions-feed-schedule.service")["Service"]
    assert service["User"] == "sanctions-feed" and service["Restart"] == "on-failure"
    assert service["ExecStart"].split()[1:] == ["schedule"]
    assert "/etc/sanctions-feed" in service["ReadOnlyPaths"] and service["ReadWritePaths"] == "/srv/sanctions-feed"
    serve = unit("sanctions-feed-serve.service")["Service"]
    assert serve["User"] != service["User"] and "serve" in serve["ExecStart"] and "--public-key" in serve["ExecStart"]
    assert "minisign.key" not in serve["ReadOnlyPaths"]


def test_the_recipe_packs_older_releases_and_its_nginx_still_answers_them():
    """deploy/'s env file turns packing on; its nginx site has what a packed file needs in v/."""
    assert "\nSANCTIONS_FEED_PLAIN_RELEASES=10\n" in (DEPLOY / "README.md").read_text()
    site = (DEPLOY / "nginx-sanctions-feed.conf").read_text()
    releases = site[site.index("location /v/ {"):].split("}", 1)[0]
    assert "gzip_static always;" in releases and "gunzip on;" in releases
