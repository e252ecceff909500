"""`check` and `history`: screening addresses written any way, on a day, in bulk; an address's story."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.normalize import normalize
from sanctions_feed.normalize.forms import x_address
from sanctions_feed.normalize.keys import fold_query, match_keys
from sanctions_feed.schemas.feed import FeedAddress, FeedListing, ListingEvent
from sanctions_feed.screening import MATCH, NO_MATCH, NOT_AN_ADDRESS, NOT_IN_FORCE, TAG_REQUIRED, Screen

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .stores import new_store

OFAC_ETH = "0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535"  # SUEX OTC in the OFAC sample, listed 2021-09-21
NBCTF_TRON = "TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY"  # in the NBCTF sample
OFAC_BTC = "12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx"
UNLISTED_BTC = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"  # valid (the Bitcoin wiki's example), never listed
XRP_CLASSIC = "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"  # XLS-5d's example account
CASHADDR, LEGACY = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu"


@pytest.fixture
def demo(sample_feed) -> Path:
    """The feed published from the bundled samples (what `make demo` publishes), read only."""
    return sample_feed


def check(feeds: Path, *args):
    return CliRunner().invoke(cli, ["check", "--feeds", str(feeds), *args])


def verdicts(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_check_finds_listed_addresses_written_any_way(demo):
    cyrillic = NBCTF_TRON.replace("C", "\u0421")  # a Cyrillic С in place of the Latin C
    assert cyrillic != NBCTF_TRON
    result = check(demo, "--format", "json", OFAC_ETH.upper().replace("0X", "0x"), cyrillic,
                   OFAC_BTC[:10] + "\u200b" + OFAC_BTC[10:], f"  {OFAC_ETH[2:]}  ")
    assert result.exit_code == 1, result.output
    found = verdicts(result)
    assert [v["status"] for v in found] == [MATCH] * 4
    assert [v["matches"][0]["id"] for v in found] == [
        f"ethereum:{OFAC_ETH}", f"tron:{NBCTF_TRON}", f"bitcoin:{OFAC_BTC}", f"ethereum:{OFAC_ETH}"]
    suex = found[0]["matches"][0]
    assert suex["caip2"] == "eip155:1" and "listed under ethereum" in suex["listed_under"]
    (listing,) = suex["listings"]
    assert listing["holder"] == "SUEX OTC, S.R.O." and listing["programs"] == ["CYBER2"]
    assert listing["source"] == "ofac_sdn" and listing["source_record_id"] == "33151"
    assert listing["listed_on"] == "2021-09-21" and "33151" in listing["source_url"]
    assert "checked 4 address(es)" in result.stderr and "4 matched" in result.stderr


def test_check_reports_no_match_for_a_valid_unlisted_address_and_exits_0(demo):
    result = check(demo, "--format", "json", UNLISTED_BTC)
    assert result.exit_code == 0, result.output
    assert [v["status"] for v in verdicts(result)] == [NO_MATCH]
    # Beside something that is no address, nothing matched but the input was not clean: exit 3.
    result = check(demo, "--format", "json", UNLISTED_BTC, "not-an-address")
    assert result.exit_code == 3, result.output
    assert [v["status"] for v in verdicts(result)] == [NO_MATCH, NOT_AN_ADDRESS]
    assert "0 matched, 1 not a valid address" in result.stderr
    # OFAC lists a hex value under XMR that is no address: the exact string still matches its record
    listed_value = check(demo, "--format", "json", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320")
    assert listed_value.exit_code == 1 and verdicts(listed_value)[0]["matches"][0]["chain"] == "monero"


def test_check_on_a_day_before_the_listing_reports_no_match(demo):
    before = check(demo, "--on", "2021-09-20", OFAC_ETH)
    assert before.exit_code == 0 and before.stdout.startswith("no match"), before.output
    after = check(demo, "--on", "2021-09-21", OFAC_ETH)
    assert after.exit_code == 1 and after.stdout.startswith("MATCH")
    assert "in force on 2021-09-21" in after.stderr


def test_check_text_names_holder_programs_source_record_and_dates(demo):
    result = check(demo, OFAC_ETH)
    assert result.exit_code == 1
    assert "SUEX OTC, S.R.O." in result.stdout and "CYBER2" in result.stdout
    assert "ofac_sdn record 33151" in result.stdout and "listed_on 2021-09-21" in result.stdout


def test_check_csv_is_formula_safe_and_one_row_per_match(demo, tmp_path):
    listed = tmp_path / "in.txt"
    listed.write_text(f"# customers\n{OFAC_ETH}\n\n=HYPERLINK(\"x\")\n{UNLISTED_BTC}\n", encoding="utf-8")
    result = check(demo, "--file", str(listed), "--format", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["status"] for r in rows] == [MATCH, NOT_AN_ADDRESS, NO_MATCH]
    assert rows[0]["holders"] == "SUEX OTC, S.R.O." and rows[0]["caip2"] == "eip155:1"
    assert rows[1]["input"].startswith("'=")
    hits = check(demo, "--file", str(listed), "--format", "csv", "--hits-only")
    assert [r["status"] for r in csv.DictReader(io.StringIO(hits.stdout))] == [MATCH, NOT_AN_ADDRESS]


def test_check_errors_exit_2_with_one_line(tmp_path):
    result = check(tmp_path / "nowhere", OFAC_ETH)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no release to screen against" in result.stderr
    assert check(tmp_path / "nowhere").exit_code == 2  # nothing to screen: a usage error
    assert CliRunner().invoke(cli, ["check", "--on", "yesterday", OFAC_ETH]).exit_code == 2



def test_a_bug_in_check_exits_2_not_1(demo, monkeypatch):
    def broken(self, text):
        raise RuntimeError("boom")

    monkeypatch.setattr(Screen, "check", broken)
    result = check(demo, OFAC_ETH)
    assert result.exit_code == 2 and "Internal error (a bug in sanctions-feed): RuntimeError: boom" in result.stderr
    other = CliRunner().invoke(cli, ["history", "--feeds", str(demo), OFAC_ETH])
    assert other.exit_code == 0  # other commands keep their own statuses


def test_bulk_screening_streams_a_file(demo, tmp_path):
    listed = tmp_path / "bulk.txt"
    with listed.open("w") as out:
        for n in range(3000):
            out.write(f"{UNLISTED_BTC}\n" if n % 1000 else f"{OFAC_BTC}\n")
    result = check(demo, "--file", str(listed), "--format", "json", "--hits-only")
    assert result.exit_code == 1
    assert len(verdicts(result)) == 3 and "checked 3000 address(es)" in result.stderr


def listed(raw: str, label: str | None = None, status: str = "active", on: date = date(2024, 1, 1),
           events=None) -> FeedAddress:
    (found,) = normalize(raw, label)
    listing = FeedListing(source="test", source_record_id="1", holder="Holder", status=status, first_seen=on,
                          listed_on=on, raw_address=raw,
                          events=events or [ListingEvent(event="listed", date=on)])
    return FeedAddress(id=found.id, chain=found.chain, address=found.address, display=found.display, kind=found.kind,
                       platform=found.platform, tag=found.tag, validity=found.validity, issues=list(found.issues),
                       assets=[], status=status, first_seen=on, listings=[listing])


def statuses(screen: Screen, *texts: str) -> list[str]:
    return [v.status for text in texts for v in screen.check(text)]


def test_a_tagged_deposit_matches_only_with_its_tag():
    screen = Screen([listed(f"{XRP_CLASSIC} (tag 12345)", "XRP")])
    assert statuses(screen, f"{XRP_CLASSIC}?dt=12345", f"{XRP_CLASSIC} (tag 12345)",
                    x_address(XRP_CLASSIC, 12345)) == [MATCH] * 3
    assert statuses(screen, XRP_CLASSIC, f"{XRP_CLASSIC}?dt=999") == [TAG_REQUIRED, NO_MATCH]
    (alone,) = screen.check(XRP_CLASSIC)
    assert alone.note == "shared deposit address, tag required" and alone.matches[0].tag == "12345"


def test_every_valid_form_of_an_address_matches():
    screen = Screen([listed(CASHADDR, "BCH"), listed("0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c", "BSC")])
    assert statuses(screen, LEGACY, CASHADDR.upper(), CASHADDR.split(":")[1]) == [MATCH] * 3
    (evm,) = screen.check("0x4F47BC496083C727C5FBE3CE9CDF2B0F6496270C")
    assert evm.status == MATCH and evm.matches[0].chain == "bsc"
    tron_hex = "41" + bytes.fromhex("0" * 40).hex()
    assert fold_query(tron_hex).startswith("T")
    assert match_keys(normalize(LEGACY)[0]) == (LEGACY,)
    assert LEGACY in match_keys(normalize(CASHADDR)[0])


def test_a_delisted_address_is_not_in_force_now_but_was_on_a_day():
    events = [ListingEvent(event="listed", date=date(2024, 1, 1)), ListingEvent(event="delisted", date=date(2025, 3, 21))]
    address = listed(OFAC_BTC, "XBT", status="delisted", events=events)
    assert statuses(Screen([address]), OFAC_BTC) == [NOT_IN_FORCE]
    assert statuses(Screen([address], date(2024, 6, 1)), OFAC_BTC) == [MATCH]
    assert statuses(Screen([address], date(2025, 3, 21)), OFAC_BTC) == [NOT_IN_FORCE]
    assert statuses(Screen([address], date(2023, 12, 31)), OFAC_BTC) == [NO_MATCH]


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_history_shows_delisting_and_relisting_with_dates_and_releases(tmp_path, request, store):
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    db = new_store(store, tmp_path, request)
    without = SAMPLE_PARTIES[:2] + SAMPLE_PARTIES[3:]  # KHOROSHEV (48603) gone
    for parties, day in ((SAMPLE_PARTIES, "24"), (without, "25"), (SAMPLE_PARTIES, "26")):
        source.write_bytes(sdn_advanced_xml(parties))
        result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--db", db, "--only", "ofac_sdn", "--source",
                                          f"ofac_sdn={source}", "--now", f"2026-11-{day}T12:00:00Z"])
        assert result.exit_code == 0, result.output
    khoroshev = "BC1QVHNFKNW852EPHXYC5HM4Q520ZMVF9MAPHETC9Z"  # bech32 in upper case is the same address
    result = CliRunner().invoke(cli, ["history", "--feeds", str(feeds), "--db", db, "--format", "json", khoroshev])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["event"], e["date"], e["recorded_on"], e["release"]) for e in events] == [
        ("listed", "2024-05-07", "2026-11-24", "20261124T120000Z"),  # OFAC's date; seen here on the 24th
        ("delisted", "2026-11-25", "2026-11-25", "20261125T120000Z"),
        ("relisted", "2026-11-26", "2026-11-26", "20261126T120000Z")]
    assert {(e["source"], e["source_record_id"], e["listed_on"]) for e in events} == {("ofac_sdn", "48603", "2024-05-07")}
    from_feed = CliRunner().invoke(cli, ["history", "--feeds", str(feeds), "--db", db, "--read", "feed",
                                        "--format", "json", khoroshev])
    assert from_feed.stdout == result.stdout  # a puller's copy of the feed tells the same story
    text = CliRunner().invoke(cli, ["history", "--feeds", str(feeds), "--db", db, khoroshev]).stdout
    assert "2026-11-25  delisted" in text and "2026-11-26  relisted" in text and "release 20261126T120000Z" in text
    never = CliRunner().invoke(cli, ["history", "--feeds", str(feeds), "--db", db, UNLISTED_BTC])
    assert never.exit_code == 0 and "never listed" in never.stdout
    nowhere = CliRunner().invoke(cli, ["history", "--feeds", str(tmp_path / "none"), "--read", "store", UNLISTED_BTC])
    assert nowhere.exit_code != 0 and "no store there" in nowhere.stderr
    no_feed = CliRunner().invoke(cli, ["history", "--feeds", str(tmp_path / "none"), UNLISTED_BTC])
    assert no_feed.exit_code != 0 and "no store here and no published release" in no_feed.stderr
    assert no_feed.stderr.count("\n") == 1


def test_history_reads_a_feed_alone_where_there_is_no_store(demo):
    result = CliRunner().invoke(cli, ["history", "--feeds", str(demo), "--format", "json", OFAC_ETH.upper()[2:]])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["event"], e["source"], e["date"]) for e in events] == [("listed", "ofac_sdn", "2021-09-21")]
    assert events[0]["release"] and events[0]["recorded_on"]


FAST_PATHS = {
    "check": ["check", OFAC_ETH], "verify": ["verify", "--unsigned"], "diff": ["diff", "previous", "latest"],
    "history": ["history", "--read", "feed", "--format", "json", OFAC_ETH], "serve": ["serve", "--help"],
}


@pytest.mark.parametrize("command", FAST_PATHS)
def test_the_fast_paths_never_import_the_orm(demo, command):
    """A puller's commands read published JSON: importing SQLAlchemy and SQLModel was 70% of a
    `check`'s CPU (issue 23)."""
    import subprocess
    import sys

    probe = ("import sys\nfrom sanctions_feed.commands import cli\n"
             f"try:\n    cli.main({FAST_PATHS[command]!r} + ['--feeds', sys.argv[1]] * ({command!r} != 'serve'), "
             "standalone_mode=False)\nfinally:\n"
             "    print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic')),"
             " file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe, str(demo)], capture_output=True, text=True, timeout=60)
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def test_a_match_on_a_day_shows_the_listings_in_force_that_day():
    from sanctions_feed.commands.analyst import _json_writer

    old = listed(OFAC_BTC, "XBT", status="delisted", on=date(2020, 1, 1), events=[
        ListingEvent(event="listed", date=date(2020, 1, 1)), ListingEvent(event="delisted", date=date(2022, 1, 1))])
    new = listed(OFAC_BTC, "XBT", on=date(2024, 1, 1))
    both = old.model_copy(update={"status": "active", "listings": [
        old.listings[0].model_copy(update={"source_record_id": "old"}),
        new.listings[0].model_copy(update={"source_record_id": "new"})]})
    for day, shown in ((date(2021, 1, 1), ["old"]), (None, ["new"])):
        out = io.StringIO()
        write = _json_writer(out, "v1", day)
        for verdict in Screen([both], day).check(OFAC_BTC):
            write(verdict)
        (match,) = json.loads(out.getvalue())["matches"]
        assert [x["source_record_id"] for x in match["listings"]] == shown, day
