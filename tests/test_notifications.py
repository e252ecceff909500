"""Subscribers hear of every release with changes: signed webhooks (retried, recorded) and the
Atom feed. Nothing is sent for an unchanged run."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from lxml import etree

from sanctions_feed.commands import cli
from sanctions_feed.publish.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER

from .builders import SAMPLE_PARTIES, sdn_advanced_xml

SECRET = "a shared secret"
ATOM = "{http://www.w3.org/2005/Atom}"


class Receiver:
    """Webhook endpoints on loopback: each path's POSTs, and answers given in order (then 200)."""

    def __init__(self):
        self.posts: dict[str, list[tuple[dict, bytes]]] = {}
        self.answers: dict[str, list[int]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.setdefault(self.path, []).append((dict(self.headers), body))
                queued = receiver.answers.get(self.path) or []
                self.send_response(queued.pop(0) if queued else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def update(feeds, db, source, now, hooks):
    args = ["update", "--feeds", str(feeds), "--db", db, "--now", now, "--only", "ofac_sdn", "--force",
            "--source", f"ofac_sdn={source}", "--feed-url", "https://feeds.example.org/sanctions/"]
    for hook in hooks:
        args += ["--webhook", hook]
    return CliRunner().invoke(cli, args)


def test_one_signed_post_per_changed_release_none_when_unchanged_and_a_retry_after_a_500(tmp_path, receiver,
                                                                                            monkeypatch):
    monkeypatch.setenv("SANCTIONS_FEED_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("SANCTIONS_FEED_WEBHOOK_BACKOFF", "0.01")
    feeds, db = tmp_path / "feeds", f"sqlite:///{tmp_path / 'store.db'}"
    hooks = [f"{receiver.base}/steady", f"{receiver.base}/flaky"]
    receiver.answers["/flaky"] = [500]
    source = tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    first = update(feeds, db, source, "2026-11-01T00:00:00Z", hooks)
    assert first.exit_code == 0, first.output
    assert f"webhook {receiver.base}/flaky: delivered" in first.stderr and "2 attempts" in first.stderr
    assert update(feeds, db, source, "2026-11-02T00:00:00Z", hooks).stdout.startswith("no change")
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[1:]))
    third = update(feeds, db, source, "2026-11-03T00:00:00Z", hooks)
    assert third.exit_code == 0 and third.stdout.startswith("published "), third.output

    versions = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    assert len(receiver.posts["/steady"]) == 2 and len(receiver.posts["/flaky"]) == 3
    schema = json.loads((feeds / "latest" / "schema" / "webhook.json").read_text())
    for path, posts in receiver.posts.items():
        bodies = [json.loads(body) for _, body in posts]
        assert [b["version"] for b in bodies][-2:] == versions, path
        for headers, body in posts:
            timestamp = headers[TIMESTAMP_HEADER]
            expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
            assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
            jsonschema.validate(json.loads(body), schema)
    last = json.loads(receiver.posts["/steady"][-1][1])
    assert last["previous"] == versions[0] and last["counts"]["removed"] > 0 and last["sources"] == ["ofac_sdn"]
    assert last["links"]["changes.csv"] == f"https://feeds.example.org/sanctions/v/{versions[1]}/changes.csv"

    engine = sa.create_engine(db)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT version, url, status, attempts, http_status FROM webhook_deliveries "
                                          "ORDER BY version, url")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (versions[0], hooks[1], "delivered", 2, 200), (versions[0], hooks[0], "delivered", 1, 200),
        (versions[1], hooks[1], "delivered", 1, 200), (versions[1], hooks[0], "delivered", 1, 200)]


def test_a_hook_that_keeps_failing_is_recorded_and_the_release_stands(tmp_path, receiver, monkeypatch):
    monkeypatch.setenv("SANCTIONS_FEED_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("SANCTIONS_FEED_WEBHOOK_BACKOFF", "0.01")
    receiver.answers["/down"] = [503] * 10
    receiver.answers["/gone"] = [410]
    source = tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    result = update(tmp_path / "feeds", f"sqlite:///{tmp_path / 'store.db'}", source, "2026-11-01T00:00:00Z",
                    [f"{receiver.base}/down", f"{receiver.base}/gone"])
    assert result.exit_code == 0 and result.stdout.startswith("published ")
    assert f"warning: webhook {receiver.base}/down: not delivered" in result.stderr and "after 5 attempts" in result.stderr
    assert f"warning: webhook {receiver.base}/gone: not delivered" in result.stderr and "after 1 attempts (HTTP 410)" in result.stderr
    assert len(receiver.posts["/gone"]) == 1


def test_webhooks_without_a_secret_are_refused_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("SANCTIONS_FEED_WEBHOOK_SECRET", raising=False)
    result = update(tmp_path / "feeds", f"sqlite:///{tmp_path / 's.db'}", tmp_path / "none.xml",
                    "2026-11-01T00:00:00Z", ["http://127.0.0.1:9/hook"])
    assert result.exit_code == 1 and "SANCTIONS_FEED_WEBHOOK_SECRET" in result.output
    assert not (tmp_path / "feeds").exists()


def test_the_atom_feed_has_one_valid_entry_per_release(tmp_path):
    feeds, db, source = tmp_path / "feeds", f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "sdn.xml"
    for n, parties in enumerate([SAMPLE_PARTIES, SAMPLE_PARTIES[2:], SAMPLE_PARTIES[2:], SAMPLE_PARTIES]):
        source.write_bytes(sdn_advanced_xml(parties))
        assert update(feeds, db, source, f"2026-11-0{n + 1}T00:00:00Z", []).exit_code == 0
    versions = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    assert len(versions) == 3  # the third run changed nothing
    feed = etree.fromstring((feeds / "changes.atom").read_bytes(), etree.XMLParser(resolve_entities=False))
    assert feed.tag == f"{ATOM}feed"
    # RFC 4287 4.1.1: a feed has exactly one id, title and updated, and an author (or every entry one).
    for name in ("id", "title", "updated", "author"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert feed.findtext(f"{ATOM}id") == "https://feeds.example.org/sanctions/changes.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"urn:sanctions-feed:release:{v}" for v in reversed(versions)]
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated") == "2026-11-04T00:00:00Z"
    for entry in entries:
        for name in ("id", "title", "updated", "summary"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert len(alternate) == 1 and alternate[0].get("type") == "text/html"
        path = alternate[0].get("href").removeprefix("https://feeds.example.org/sanctions/")
        assert (feeds / path).is_file()
    assert "removed" in entries[1].findtext(f"{ATOM}summary")
    # The title names the sources whose listings the release changed (here OFAC's alone).
    assert all(e.findtext(f"{ATOM}title").endswith("(US Treasury OFAC)") for e in entries)  # authorities, not codes
