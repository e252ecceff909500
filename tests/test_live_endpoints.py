"""The live endpoints as they behave today, played by a loopback server: OFAC's firewall rule on
the User-Agent, its 302 to a signed object-store URL, and the legacy files' new home."""

from __future__ import annotations

import http.server
import io
import re
import threading
import uuid
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.cli import cli
from sanctions_feed.spiders import load_sources
from sanctions_feed.spiders.framework import settings

EXPORTS = "/api/PublicationPreview/exports/"
WAF_RULE = re.compile(r"^Mozilla/\d.{33,}")  # starts with Mozilla/ and a digit, 40 characters or more


def sample_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("SDN_ADVANCED.XML", load_sources()["ofac_sdn"].sample_path().read_bytes())
    return buffer.getvalue()


@pytest.fixture
def ofac_service(tmp_path):
    """An OFAC-like Sanctions List Service: files under EXPORTS answer 302 to a signed URL that
    differs on every request, which serves the bytes with no ETag; a client whose User-Agent
    breaks the firewall rule gets 403, and `blocked/` always does."""
    legacy = load_sources()["ofac_sdn_legacy"].sample_path()
    files = {"SDN_ADVANCED.ZIP": sample_zip(), "SDN.CSV": (legacy / "sdn.csv").read_bytes(),
             "SDN_COMMENTS.CSV": (legacy / "sdn_comments.csv").read_bytes()}
    requests: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            agent = self.headers.get("User-Agent", "")
            requests.append((self.path, agent))
            name = self.path.rsplit("/", 1)[-1].split("?")[0]
            if not WAF_RULE.match(agent) or self.path.startswith("/blocked/"):
                self.answer(403, b"<html><head><title>403 Forbidden</title></head><body>Request blocked.</body></html>")
            elif self.path.startswith(EXPORTS) and name in files:
                self.send_response(302)
                self.send_header("Location", f"/signed/{name}?X-Amz-Signature={uuid.uuid4().hex}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path.startswith("/signed/") and name in files:
                self.answer(200, files[name])
            else:
                self.answer(404, b"<html><head><title>404 Not Found</title></head></html>")

        def answer(self, status: int, body: bytes):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def run(feeds: Path, *args):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", "2026-11-25T12:00:00Z", *args])


def test_our_user_agent_passes_the_firewall_rule_and_names_the_project():
    assert WAF_RULE.match(settings.USER_AGENT) and "sanctions-feed/" in settings.USER_AGENT
    assert "+http" in settings.USER_AGENT  # a contact URL


def test_the_advanced_export_is_fetched_through_its_signed_redirect(tmp_path, ofac_service):
    base, requests = ofac_service
    result = run(tmp_path / "feeds", "--only", "ofac_sdn", "--source", f"ofac_sdn={base}{EXPORTS}SDN_ADVANCED.ZIP")
    assert result.exit_code == 0, result.output
    assert "ofac_sdn: 23 listings" in result.output
    assert [path.split("?")[0] for path, _ in requests] == [f"{EXPORTS}SDN_ADVANCED.ZIP", "/signed/SDN_ADVANCED.ZIP"]
    assert all(agent == settings.USER_AGENT for _, agent in requests)


def test_the_legacy_files_are_read_from_the_service_by_their_names_there(tmp_path, ofac_service):
    base, requests = ofac_service
    result = run(tmp_path / "feeds", "--only", "ofac_sdn_legacy", "--source", f"ofac_sdn_legacy={base}{EXPORTS}")
    assert result.exit_code == 0, result.output
    assert [p for p, _ in requests if p.startswith(EXPORTS)] == [f"{EXPORTS}SDN.CSV", f"{EXPORTS}SDN_COMMENTS.CSV"]
    assert load_sources()["ofac_sdn_legacy"].meta.url.endswith(EXPORTS)


def test_a_firewall_refusal_is_one_line_naming_the_status_and_the_url(tmp_path, ofac_service):
    base, _ = ofac_service
    url = f"{base}/blocked/SDN_ADVANCED.ZIP"
    result = run(tmp_path / "feeds", "--only", "ofac_sdn", "--source", f"ofac_sdn={url}")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: ofac_sdn: {url}: HTTP 403 (refused") and "403 Forbidden" in line
