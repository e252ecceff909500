"""The live endpoints as they behave today, played by a loopback server: OFAC's firewall rule on
the User-Agent, its 302 to a signed object-store URL, and the legacy files' new home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.spiders import load_sources
from sanctions_feed.spiders.framework import settings

from .servers import EXPORTS, WAF_RULE, zipped

pytestmark = pytest.mark.e2e  # the real crawler child, processes and servers


def run(feeds: Path, *args, now: str = "2026-11-25T12:00:00Z"):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args])


def test_our_user_agent_passes_the_firewall_rule_and_names_the_project():
    assert WAF_RULE.match(settings.USER_AGENT) and "sanctions-feed/" in settings.USER_AGENT
    assert "+http" in settings.USER_AGENT  # a contact URL


def test_the_advanced_export_is_fetched_through_its_signed_redirect(tmp_path, ofac_service):
    base, requests = ofac_service.base, ofac_service.requests
    result = run(tmp_path / "feeds", "--only", "ofac_sdn", "--source", f"ofac_sdn={base}{EXPORTS}SDN_ADVANCED.ZIP")
    assert result.exit_code == 0, result.output
    assert "ofac_sdn: 23 listings" in result.output
    assert [path.split("?")[0] for path, _ in requests] == [
        "/changes/history/2026", f"{EXPORTS}SDN_ADVANCED.ZIP", "/signed/SDN_ADVANCED.ZIP"]
    assert all(agent == settings.USER_AGENT for _, agent in requests)


def test_the_legacy_files_are_read_from_the_service_by_their_names_there(tmp_path, ofac_service):
    base, requests = ofac_service.base, ofac_service.requests
    result = run(tmp_path / "feeds", "--only", "ofac_sdn_legacy", "--source", f"ofac_sdn_legacy={base}{EXPORTS}")
    assert result.exit_code == 0, result.output
    assert [p for p, _ in requests if p.startswith(EXPORTS)] == [f"{EXPORTS}SDN.CSV", f"{EXPORTS}SDN_COMMENTS.CSV"]
    assert load_sources()["ofac_sdn_legacy"].meta.url.endswith(EXPORTS)


def test_a_firewall_refusal_is_one_line_naming_the_status_and_the_url(tmp_path, ofac_service):
    url = f"{ofac_service.base}/blocked/SDN_ADVANCED.ZIP"
    result = run(tmp_path / "feeds", "--only", "ofac_sdn", "--source", f"ofac_sdn={url}")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: ofac_sdn: {url}: HTTP 403 (refused") and "403 Forbidden" in line


def test_an_unchanged_list_costs_one_small_request_and_is_not_read_again(tmp_path, ofac_service):
    """The service's publication list is the change signal: the export (302, signed URL, no ETag)
    is fetched only when it names a new publication, and parsed only when its bytes changed."""
    feeds, url = tmp_path / "feeds", f"{ofac_service.base}{EXPORTS}SDN_ADVANCED.ZIP"
    source = ("--only", "ofac_sdn", "--source", f"ofac_sdn={url}")
    first = run(feeds, *source)
    assert first.exit_code == 0 and first.output.startswith("published "), first.output
    versions = sorted(p.name for p in (feeds / "v").iterdir())

    ofac_service.requests.clear()
    second = run(feeds, *source, now="2026-11-25T12:05:00Z")
    assert second.exit_code == 0, second.output
    assert "no change: no new version; ofac_sdn: unchanged (the publisher's change signal is the same: " \
           "publication 1001 of 2026-11-20T10:02:11)" in second.output
    assert [path for path, _ in ofac_service.requests] == ["/changes/history/2026"]  # the year of the run's clock

    # A new publication that leaves this file as it was: fetched and hashed, not parsed.
    ofac_service.publications.append({"publicationID": 1002, "datePublished": "2026-11-25T12:06:00"})
    ofac_service.requests.clear()
    third = run(feeds, *source, now="2026-11-25T12:10:00Z")
    assert "ofac_sdn: unchanged (the same sha256 as the last good input)" in third.output, third.output
    assert [path.split("?")[0] for path, _ in ofac_service.requests] == [
        "/changes/history/2026", f"{EXPORTS}SDN_ADVANCED.ZIP", "/signed/SDN_ADVANCED.ZIP"]
    assert sorted(p.name for p in (feeds / "v").iterdir()) == versions

    # The file changes with the next publication: read, stored, published.
    xml = load_sources()["ofac_sdn"].sample_path().read_bytes()
    changed = xml.replace(b"<Day>20</Day>", b"<Day>21</Day>", 1).replace(b"TEcuHDQthTmULe8fFLUccBPpjfXaTmJuuD",
                                                                        b"TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")
    ofac_service.publish("SDN_ADVANCED.ZIP", zipped(changed), 1003, "2026-11-25T13:00:00")
    fourth = run(feeds, *source, now="2026-11-25T13:05:00Z")
    assert fourth.exit_code == 0 and fourth.output.startswith("published 20261125T130500Z"), fourth.output
    status = CliRunner().invoke(cli, ["sources", "--feeds", str(feeds)]).output
    line = next(x for x in status.splitlines() if x.startswith("ofac_sdn:"))
    assert "checked 2026-11-25T13:05:00Z, changed 2026-11-25T13:05:00Z, published 2026-11-25T13:05:00Z in 20261125T130500Z" in line
    (entry,) = json.loads((feeds / "index.json").read_text())["sources"]
    assert entry["signals"]["signal"] == "publication 1003 of 2026-11-25T13:00:00"
    assert "X-Amz-Signature" not in json.dumps(entry)  # the signed URL is never published

