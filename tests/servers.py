"""Loopback servers that behave like the live sources, for tests that fetch as the live path does."""

from __future__ import annotations

import http.server
import io
import json
import re
import threading
import time
import uuid
import zipfile

import pytest

from sanctions_feed.spiders import load_sources

EXPORTS = "/api/PublicationPreview/exports/"
WAF_RULE = re.compile(r"^Mozilla/\d.{33,}")  # starts with Mozilla/ and a digit, 40 characters or more


def sample_zip() -> bytes:
    return zipped(load_sources()["ofac_sdn"].sample_path().read_bytes())


class Service:
    """What the OFAC-like service serves, changeable while it runs, and what it was asked."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.publications = [{"publicationID": 1001, "datePublished": "2026-11-20T10:02:11"}]
        self.requests: list[tuple[str, str]] = []
        self.delay = 0.0
        """Seconds the signed file download stalls before its body (a slow or hung server)."""
        self.base = ""

    def publish(self, name: str, body: bytes, publication_id: int, when: str) -> None:
        self.files[name] = body
        self.publications.append({"publicationID": publication_id, "datePublished": when})


@pytest.fixture
def ofac_service(tmp_path):
    """An OFAC-like Sanctions List Service: files under EXPORTS answer 302 to a signed URL that
    differs on every request, which serves the bytes with no ETag; `/changes/history/<year>`
    lists the publications; a client whose User-Agent breaks the firewall rule gets 403, and
    `blocked/` always does."""
    legacy = load_sources()["ofac_sdn_legacy"].sample_path()
    service = Service({"SDN_ADVANCED.ZIP": sample_zip(), "SDN.CSV": (legacy / "sdn.csv").read_bytes(),
                       "SDN_COMMENTS.CSV": (legacy / "sdn_comments.csv").read_bytes()})
    files, requests = service.files, service.requests

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            agent = self.headers.get("User-Agent", "")
            requests.append((self.path, agent))
            name = self.path.rsplit("/", 1)[-1].split("?")[0]
            if not WAF_RULE.match(agent) or self.path.startswith("/blocked/"):
                self.answer(403, b"<html><head><title>403 Forbidden</title></head><body>Request blocked.</body></html>")
            elif re.fullmatch(r"/changes/history/\d{4}", self.path):
                self.answer(200, json.dumps(service.publications).encode())
            elif self.path.startswith(EXPORTS) and name in files:
                self.send_response(302)
                self.send_header("Location", f"/signed/{name}?X-Amz-Signature={uuid.uuid4().hex}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path.startswith("/signed/") and name in files:
                time.sleep(service.delay)
                self.answer(200, files[name])
            else:
                self.answer(404, b"<html><head><title>404 Not Found</title></head></html>")

        def answer(self, status: int, body: bytes):
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a time limit)
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    service.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


def zipped(xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("SDN_ADVANCED.XML", xml)
    return buffer.getvalue()

