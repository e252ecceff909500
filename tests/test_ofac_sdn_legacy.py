"""The legacy OFAC CSV spider in-process, on the real files: sdn.csv joined with sdn_comments.csv."""

from __future__ import annotations

import csv
import re

import pytest

from sanctions_feed.spiders.framework.base import SourceError
from sanctions_feed.spiders.ofac_sdn_legacy import OfacSdnLegacySpider

from .conftest import real_fixture
from .spider_driver import drive


def crawl(folder, files: dict[str, bytes | None]):
    """Answer sdn.csv / sdn_comments.csv from `files` (None: the download fails)."""
    def answer(request):
        body = files.get(request.url.rsplit("/", 1)[-1])
        return None if body is None else (200, body)
    items, _ = drive(OfacSdnLegacySpider(location=str(folder)), answer)
    return items


def mentions(sdn_text: str, comments: dict[str, str]) -> set[tuple[str, str, str]]:
    """(ent_num, code, address) of every complete mention, read independently with a regex."""
    found = set()
    for row in csv.reader(sdn_text.splitlines()):
        if row:
            remarks = row[11] + comments.get(row[0], "")
            for code, address in re.findall(r"Digital Currency Address - (\w+) ([^;\s]+?)\.?(?:;|$)", remarks):
                found.add((row[0], code, address))
    return found


def test_trimmed_real_set_every_mention_with_its_holder():
    folder = real_fixture("ofac/legacy/2025-05-trimmed")
    sdn, comments = (folder / "sdn.csv").read_bytes(), (folder / "sdn_comments.csv").read_bytes()
    items = crawl(folder, {"sdn.csv": sdn, "sdn_comments.csv": comments})
    listings = [i["listing"] for i in items if "listing" in i]
    extra = {r[0]: r[1] for r in csv.reader(comments.decode("cp1252").splitlines()) if r}
    expected = mentions(sdn.decode("cp1252"), extra)
    assert {(x["source_record_id"], x["raw_label"], x["raw_address"]) for x in listings} == expected
    assert len(listings) == len(expected) == 32 and not any(x["truncated"] for x in listings)
    names = {r[0]: r[1] for r in csv.reader(sdn.decode("cp1252").splitlines()) if r}
    assert all(x["holder"]["name"] == names[x["source_record_id"]] for x in listings)
    snapshot = items[-1]["snapshot"]
    assert [p["url"].rsplit("/", 1)[-1] for p in snapshot["parts"]] == ["sdn.csv", "sdn_comments.csv"]


def test_sdn_csv_named_alone_marks_the_cut_address_truncated_and_rejects_cut_mentions():
    sdn = real_fixture("ofac/legacy/2021-07-paired/sdn.csv")
    items = crawl(sdn, {"sdn.csv": sdn.read_bytes()})
    listings = [i["listing"] for i in items if "listing" in i]
    cut = [x for x in listings if x["truncated"]]
    assert cut and all(x["source_record_id"] for x in cut)
    rejected = [i["rejected"] for i in items if "rejected" in i]
    assert all(r["reason"] in ("remark cut at 1000 characters", "unreadable digital currency remark") for r in rejected)


def _run(sdn: str, comments: str | None):
    """The pair as a directory, or sdn.csv named alone (comments None)."""
    path = real_fixture(f"ofac/legacy/{sdn}")
    files = {"sdn.csv": path.read_bytes(), sdn: path.read_bytes()}
    if comments:
        files["sdn_comments.csv"] = real_fixture(f"ofac/legacy/{comments}").read_bytes()
    items = crawl(path.parent if comments else path, files)
    return [i["listing"] for i in items if "listing" in i], [i["rejected"] for i in items if "rejected" in i]


def test_a_clause_closed_by_a_semicolon_at_the_cut_is_complete():
    """Entry 42496: the 1000-character remark ends `...XBT 18yWCu6agTxYqAerMxiz9sgHrK3ViezzGa;`."""
    for sdn in ("sdn-2024-05-03.csv", "sdn-2023-12-02.csv"):
        listings, _ = _run(sdn, None)
        last = [x for x in listings if x["source_record_id"] == "42496"][-1]
        assert (last["raw_address"], last["truncated"]) == ("18yWCu6agTxYqAerMxiz9sgHrK3ViezzGa", False)


def test_a_cut_on_a_space_joins_the_raw_cells():
    """Entry 39593: the remark ends `...XBT ` (the space is character 1000), the comment row goes on
    `194xmrZA53UBsZau2PnJLdmVVW9m5feeS;`."""
    listings, rejected = _run("sdn-2023-12-02.csv", "sdn_comments-2023-11-30.csv")
    grimm = {x["raw_address"]: x for x in listings if x["source_record_id"] == "39593"}
    assert grimm["194xmrZA53UBsZau2PnJLdmVVW9m5feeS"]["raw_label"] == "XBT"
    assert not grimm["194xmrZA53UBsZau2PnJLdmVVW9m5feeS"]["truncated"]
    assert not [r for r in rejected if r["source_record_id"] == "39593"]


def test_truncation_is_decided_per_remark():
    """A comments file of another date lacks some cut rows: those remarks are cut, the others joined."""
    listings, rejected = _run("sdn-2024-05-03.csv", "sdn_comments-2023-12-22.csv")
    truncated = {(x["source_record_id"], x["raw_address"]) for x in listings if x["truncated"]}
    assert ("33151", "1B64QRxf") in truncated and ("37070", "3F6bbvS1krsc1qR8FsbTDfYQyvkMm") in truncated
    assert ("39593", "remark cut at 1000 characters", "alt. Digital Currency Address - XBT") in {
        (r["source_record_id"], r["reason"], r["raw"]) for r in rejected}
    # A remark the comments file does continue is joined, never marked.
    assert not any(x["truncated"] for x in listings if x["source_record_id"] == "42496")


def test_a_missing_comments_file_fails_the_source():
    folder = real_fixture("ofac/legacy/2021-07-paired")
    with pytest.raises(SourceError, match="sdn_comments.csv: download failed"):
        crawl(folder, {"sdn.csv": (folder / "sdn.csv").read_bytes(), "sdn_comments.csv": None})


@pytest.mark.parametrize(("comments", "problem"), [
    (b"123,a,b\n", "sdn_comments.csv: row '123' has 3 columns, expected 2"),
    (b"<html><title>Service Unavailable</title></html>", "sdn_comments.csv: an HTML page instead of CSV"),
])
def test_a_bad_comments_file_is_named_not_sdn_csv(comments, problem):
    folder = real_fixture("ofac/legacy/2021-07-paired")
    with pytest.raises(SourceError, match=re.escape(problem)):
        crawl(folder, {"sdn.csv": (folder / "sdn.csv").read_bytes(), "sdn_comments.csv": comments})


def _sdn_row(ent_num: str, remarks: str) -> str:
    """One sdn.csv row in the legacy format (12 quoted columns, -0- for empty)."""
    cells = [ent_num, "TEST HOLDER", "entity", "CYBER2", "-0-", "-0-", "-0-", "-0-", "-0-", "-0-", "-0-", remarks]
    return ",".join(f'"{cell}"' if not cell.isdigit() else cell for cell in cells)


def _cut_remarks(tail: str) -> str:
    """A remark of exactly 1000 characters (sdn.csv's cut) ending with `tail`."""
    head = "Website www.example.org; "
    return head + "x" * (1000 - len(head) - len(tail) - 2) + "; " + tail


def test_several_comment_rows_of_one_entity_are_joined_in_order(tmp_path):
    """sdn_comments.csv may continue one remark over several rows: each adds its part."""
    remarks = _cut_remarks("Digital Currency Address - XBT 1BvBMSEYstWet")
    sdn = _sdn_row("90001", remarks).encode("cp1252")
    comments = ('90001,"qTFn5Au4m4GFg7xJa"\n'
                '90001,"NVN2; alt. Digital Currency Address - ETH 0x901bb9583b24d97e995513c6778dc6888ab6870e;"\n'
                ).encode("cp1252")
    items = crawl(tmp_path, {"sdn.csv": sdn, "sdn_comments.csv": comments})
    listings = {(x["raw_label"], x["raw_address"], x["truncated"]) for x in (i["listing"] for i in items if "listing" in i)}
    assert listings == {("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", False),
                        ("ETH", "0x901bb9583b24d97e995513c6778dc6888ab6870e", False)}


@pytest.mark.parametrize("tail, rejected", [("alt. Dig", True), ("alt. Di", False)],
                         ids=["three letters of a mention: a cut mention", "two letters: no mention"])
def test_a_mention_cut_short_is_rejected_from_three_letters(tmp_path, tail, rejected):
    sdn_file = tmp_path / "sdn.csv"
    sdn_file.write_bytes(_sdn_row("90002", _cut_remarks(tail)).encode("cp1252"))
    items = crawl(sdn_file, {"sdn.csv": sdn_file.read_bytes()})
    reasons = [(i["rejected"]["reason"], i["rejected"]["raw"]) for i in items if "rejected" in i]
    assert reasons == ([("remark cut at 1000 characters", tail)] if rejected else [])
