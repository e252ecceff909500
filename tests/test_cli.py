"""The command line: help with an example for every command, documented in the README."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_documented(name):
    command = cli.commands[name]
    assert command.help and "Example:" in command.help
    assert f"sanctions-feed {name}" in README


def test_normalize_command_outputs_one_line_per_address(tmp_path):
    table = tmp_path / "in.csv"
    table.write_text("address,asset\n\"0xc8fe1c81e927540fcc99ebb3c880a840082293da, TR2nTb64cQMx6tqFwisoC6o7barFWHhPiw\",\nsee remarks,XBT\n",
                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["normalize", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "--asset", "XBT",
                                      "--file", str(table)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(listing["chain"], listing["validity"]) for listing in lines] == [
        ("tron", "valid"), ("ethereum", "valid"), ("tron", "valid"), ("unknown", "invalid")]
    assert lines[1]["input"] == lines[2]["input"]
    assert set(lines[0]) >= {"input", "asset", "kind", "chain", "address", "display", "validity", "issues"}


def test_csv_cells_never_run_as_formulas():
    from datetime import date

    from sanctions_feed.publish.writers import csv_row

    assert csv_row(["=HYPERLINK(\"x\")", "-0-", "+1", "@SUM(A1)", "\tx", "0xabc", None, ["a", "b"], date(2026, 1, 2), ""]) == [
        "'=HYPERLINK(\"x\")", "'-0-", "'+1", "'@SUM(A1)", "'\tx", "0xabc", "", "a;b", "2026-01-02", ""]


def test_diff_command_between_two_releases(tmp_path):
    from .builders import SAMPLE_PARTIES, sdn_advanced_xml

    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    runner = CliRunner()
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    runner.invoke(cli, ["update", "--feeds", str(feeds), "--only", "ofac_sdn", "--source", f"ofac_sdn={source}",
                        "--now", "2026-11-01T00:00:00Z"])
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[1:]))
    runner.invoke(cli, ["update", "--feeds", str(feeds), "--only", "ofac_sdn", "--source", f"ofac_sdn={source}",
                        "--now", "2026-11-02T00:00:00Z", "--force"])
    text = runner.invoke(cli, ["diff", "20261101T000000Z", "latest", "--feeds", str(feeds)])
    assert text.exit_code == 0 and text.output.startswith("20261101T000000Z -> 20261102T000000Z: +0 added, -6 removed")
    missing = runner.invoke(cli, ["diff", "20200101T000000Z", "latest", "--feeds", str(feeds)])
    assert missing.exit_code == 1 and "release '20200101T000000Z' not found" in missing.output
    bad = runner.invoke(cli, ["diff", "nope", "latest", "--feeds", str(feeds)])
    assert bad.exit_code == 1 and "'nope' is not a release id" in bad.output


def test_unknown_source_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["update", "--feeds", str(tmp_path / "f"), "--only", "nope"])
    assert result.exit_code == 2 and "unknown source 'nope'" in result.output


def test_release_page_escapes_source_text(tmp_path):
    from datetime import date

    from sanctions_feed.publish.html import ChangesHtml
    from sanctions_feed.schemas.feed import ChangesFile, FeedAddress, FeedListing

    listing = FeedListing(source="ofac_sdn", source_record_id="1", holder="<script>alert(1)</script>",
                          programs=["SDGT"], status="active", first_seen=date(2026, 1, 1), raw_address="x",
                          source_url="https://example.org/?a=1&b=\"2\"")
    address = FeedAddress(id="tron:T1", chain="tron", address="T1", display="T1", kind="address",
                          validity="valid", issues=[], assets=[], status="active", first_seen=date(2026, 1, 1),
                          listings=[listing])
    ChangesHtml().write(tmp_path, version="V1", changes=ChangesFile(**{"from": None, "to": "V1", "added": [address]}),
                        sources=[])
    page = (tmp_path / "changes.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in page and "Added (1)" in page


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_takes_feeds_and_db(name):
    options = {opt for param in cli.commands[name].params for opt in getattr(param, "opts", [])}
    assert {"--feeds", "--db"} <= options


def test_diff_without_releases_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["diff", "a", "latest", "--feeds", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no releases yet" in result.output


def test_csv_value_undoes_the_formula_guard():
    from sanctions_feed.publish.writers import csv_row, csv_value

    cells = ["=HYPERLINK(\"x\")", "-0-", "+1", "@SUM(A1)", "\tx", "0xabc", "'quoted", "", "plain"]
    assert [csv_value(c) for c in csv_row(cells)] == cells
