"""The five lists that name addresses in prose or in notices: EU, UK, France, Japan, the FBI.

Each is read from its real published form (../shared/fixtures) and from its bundled sample;
each refuses the error bodies official servers really send, in one line, keeping its last data.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.pipeline.normalizing import normalize_listings
from sanctions_feed.schemas.source import RawListing, SourceSnapshot
from sanctions_feed.spiders import load_sources
from sanctions_feed.spiders.framework.base import SourceError
from sanctions_feed.spiders.jp_mof import JpMofSpider
from sanctions_feed.spiders.us_fbi import REGISTRY, UsFbiSpider

from .conftest import real_fixture
from .spider_driver import drive

NEW_SOURCES = ["eu_fsf", "gb_fcdo", "fr_tresor", "jp_mof", "us_fbi"]


def read(name: str, path: Path):
    """(normalized listings by id, snapshot) of one source file, as the update reads them."""
    spider = load_sources()[name](location=str(path))
    body = path.read_bytes()
    items, _ = drive(spider, lambda request: (200, body))
    listings = [RawListing.model_validate(i["listing"]) for i in items if "listing" in i]
    (snapshot,) = [SourceSnapshot.model_validate(i["snapshot"]) for i in items if "snapshot" in i]
    return normalize_listings(listings), snapshot, spider


def by_record(found) -> Counter:
    return Counter((item.listing.source_record_id, item.address.chain, item.address.validity) for item in found.values())


def run(feeds: Path, *args, now="2026-11-25T12:00:00Z"):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args])


def test_uk_xml_xinbi_40_and_exmo_3_tron_addresses():
    found, snapshot, spider = read("gb_fcdo", real_fixture("uk/uk-sanctions-list-excerpt.xml"))
    assert by_record(found) == {("GHR0190", "tron", "valid"): 40, ("RUS3602", "tron", "valid"): 3}
    xinbi = next(i.listing for i in found.values() if i.listing.source_record_id == "GHR0190")
    assert xinbi.holder.name == "XINBI COMPANY LIMITED" and xinbi.holder.type == "entity"
    assert xinbi.programs == ["The Global Human Rights Sanctions Regulations 2020"]
    assert str(xinbi.listed_on) == "2026-03-26" and str(snapshot.as_of) == "2026-10-02"
    assert xinbi.source_url == "https://search-uk-sanctions-list.service.gov.uk/designations/GHR0190/Entity"
    # Phone, registration, LEI and IP-identification numbers stay out; nothing unread.
    assert not spider.unconsumed


def test_eu_xml_9_addresses_with_the_split_tron_address_joined():
    found, snapshot, _ = read("eu_fsf", real_fixture("eu/fsf-excerpt.xml"))
    assert by_record(found) == {("EU.12747.39", "bitcoin", "valid"): 3, ("EU.12747.39", "ethereum", "valid"): 1,
                                ("EU.12747.39", "bsc", "valid"): 1, ("EU.12747.39", "tron", "valid"): 1,
                                ("EU.13770.38", "tron", "valid"): 3}
    joined = found["eu_fsf|EU.13770.38|tron:TNZxGWCwvsHr6JxQxzoeDXV597Yf7Zb7nV"].listing
    assert joined.raw_address == "TNZxGWCwvsHr6JxQxzoeDXV597Yf7Zb7nV" and joined.holder.name == "Grinex"
    assert joined.programs == ["UKR", "Regulation 2025/2035 (OJ L202502035)"]
    assert str(joined.listed_on) == "2025-10-23" and joined.source_url.endswith("uri=OJ:L_202502035")
    garantex = found["eu_fsf|EU.12747.39|ethereum:0x002471b8a185f9980708d0eaec5b289714f56f8d"].listing
    assert garantex.raw_label == "ETH" and str(snapshot.as_of) == "2026-09-22"


def dg_tresor_json(entry: dict, published: str) -> dict:
    """A publication in DG Trésor's own shape, from the mirror's index entry (verbatim values)."""
    details = [{"TypeChamp": "IDENTIFICATION",
                "Valeur": [{"Identification": i["identification"], "Commentaire": i["commentaire"]}
                           for i in entry["Identifications"]]},
               {"TypeChamp": "ALIAS", "Valeur": [{"Alias": a, "Commentaire": ""} for a in entry["Alias"]]}]
    return {"Publications": {"DatePublication": published, "PublicationDetail": [
        {"IdRegistre": entry["IdRegistre"], "Nature": entry["Nature"], "Nom": entry["Nom"], "RegistreDetail": details}]}}


def test_french_grinex_entry_gives_3_and_its_numbers_nothing(tmp_path):
    index = json.loads(real_fixture("fr/kyros-index-2026-05-31-grinex.json").read_text(encoding="utf-8"))
    path = tmp_path / "registre.json"
    path.write_text(json.dumps(dg_tresor_json(index["entries"][0], index["as_of"]), ensure_ascii=False))
    found, snapshot, _ = read("fr_tresor", path)
    assert by_record(found) == {("8618", "tron", "valid"): 3}
    listing = next(iter(found.values())).listing
    assert (listing.holder.name, listing.holder.type) == ("Grinex", "entity")
    assert listing.source_url == "https://gels-avoirs.dgtresor.gouv.fr/Gels/RegistreDetail?idRegistre=8618"
    assert str(snapshot.as_of) == "2026-05-31"


def test_japanese_workbook_26_addresses_no_katakana_and_its_withdrawn_notices():
    path = real_fixture("jp/mof-shisantouketsu-2026-03-05.xlsx")
    found, snapshot, _ = read("jp_mof", path)
    assert by_record(found) == {("北朝鮮(協調；団体) 68", "ethereum", "valid"): 8,
                                ("北朝鮮(協調；個人) 78", "ethereum", "valid"): 1,
                                ("北朝鮮(協調；個人) 79", "bitcoin", "valid"): 17}
    assert all(item.listing.raw_address.isascii() and item.listing.raw_address.isalnum() for item in found.values())
    lazarus = found["jp_mof|北朝鮮(協調；団体) 68|ethereum:0xa0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b"].listing
    assert (lazarus.holder.name, lazarus.holder.type, str(lazarus.listed_on)) == ("Lazarus Group", "entity", "2022-12-02")
    # Not named shisantouketsu<YYYYMMDD>.xlsx here: the workbook's own modification date.
    assert str(snapshot.as_of) == "2026-03-02"
    assert str(snapshot.delistings["イエメン共和国 3"]) == "2024-08-23" and len(snapshot.delistings) > 500


def test_ic3_bybit_notice_gives_51_ethereum_addresses(tmp_path):
    published = [line.strip() for line in real_fixture("us-fbi/ic3-psa250226-bybit-eth-addresses.txt").read_text().split()
                 if line.strip().startswith("0x")]
    registry = json.loads(REGISTRY.read_text())
    (psa,) = [n for n in registry["notices"] if n["id"] == "PSA250226"]
    assert psa["addresses"] == published  # the registry holds them as published, in order
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"notices": [psa]}))
    found, snapshot, _ = read("us_fbi", path)
    assert by_record(found) == {("https://www.ic3.gov/PSA/2025/PSA250226", "ethereum", "valid"): 51}
    assert str(snapshot.as_of) == "2025-02-26"


def test_fbi_2023_release_in_the_registry_matches_its_transcription():
    published = [line.strip() for line in real_fixture("us-fbi/fbi-2023-08-dprk-stolen-funds-btc-addresses.txt").read_text().split()
                 if line.strip() != "Address"]
    (notice,) = [n for n in json.loads(REGISTRY.read_text())["notices"] if n["id"] == "FBI-2023-08-22"]
    assert notice["addresses"] == published and notice["label"] == "BTC"


def page(addresses: list[str]) -> bytes:
    rows = "".join(f"<li>{a}</li>" for a in addresses)
    return f"<!DOCTYPE html><html><head><title>PSA</title></head><body><ul>{rows}</ul></body></html>".encode()


@pytest.mark.parametrize(("answer", "warning"), [
    (lambda notice: (200, page(notice["addresses"])), None),
    # A page that prints hex addresses in lower case lists the same addresses.
    (lambda notice: (200, page([a.lower() if notice["label"] == "ETH" else a for a in notice["addresses"]])), None),
    (lambda notice: (200, page(notice["addresses"][1:] + ["0x" + "ab" * 20])), "differs from the registry (1 missing"),
    (lambda notice: (403, b"<html><title>Just a moment...</title></html>"), "page not checked (HTTP 403 (refused: the server or its firewall turned this client away): Just a moment...)"),
    (lambda notice: None, "page not checked (cannot fetch"),
])
def test_live_notice_pages_are_checked_against_the_registry(caplog, answer, warning):
    spider = UsFbiSpider()
    notices = {n["url"]: n for n in json.loads(REGISTRY.read_text())["notices"]}
    registry = REGISTRY.read_bytes()
    items, requests = drive(spider, lambda r: (200, registry) if r.url.startswith("file:") else answer(notices[r.url]))
    assert [r.url for r in requests[1:]] == list(notices)  # every notice page, after the registry
    assert sum("listing" in i for i in items) == 57
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert (not warnings) if warning is None else (len(warnings) == 2 and all(warning in w for w in warnings))


def test_the_newest_workbook_linked_from_the_list_page_is_read():
    sample = JpMofSpider.sample_path().read_bytes()
    listing_page = (b'<html><body><a href="/x/shisantouketsu20260210.xlsx">old</a>'
                    b'<a href="/x/shisantouketsu20260305.xlsx">new</a><a href="/x/shisantouketsu20260305.csv">csv</a></body></html>')
    items, requests = drive(JpMofSpider(), lambda r: (200, listing_page) if r.url.endswith(".html") else (200, sample))
    assert requests[1].url == "https://www.mof.go.jp/x/shisantouketsu20260305.xlsx"
    (snapshot,) = [i["snapshot"] for i in items if "snapshot" in i]
    assert snapshot["as_of"] == "2026-03-05" and sum("listing" in i for i in items) == 3
    with pytest.raises(SourceError, match="links no shisantouketsu"):
        drive(JpMofSpider(), lambda r: (200, b"<html><title>Maintenance</title><body>back soon</body></html>"))


def test_a_withdrawn_japanese_notice_is_delisted_on_its_own_date(tmp_path):
    feeds = tmp_path / "feeds"
    sample = JpMofSpider.sample_path()
    assert run(feeds, "--only", "jp_mof", "--source", f"jp_mof={sample}", now="2026-11-20T12:00:00Z").exit_code == 0
    workbook = openpyxl.load_workbook(sample)
    sheet = workbook["17.北朝鮮(協調；個人)"]
    row = next(r for r in sheet.iter_rows() if r[1].value == "78")
    row[0].value = "2026.11.21削除"
    for cell in row[2:]:
        cell.value = None
    changed = tmp_path / "jp_mof.xlsx"
    workbook.save(changed)
    result = run(feeds, "--only", "jp_mof", "--source", f"jp_mof={changed}", now="2026-11-26T12:00:00Z")
    assert result.exit_code == 0, result.output
    changes = json.loads((feeds / "latest" / "changes.json").read_text())
    (removed,) = changes["removed"]
    assert removed["address"] == "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"
    (listing,) = [entry for entry in removed["listings"] if entry["source"] == "jp_mof"]
    assert listing["delisted_on"] == "2026-11-21"
    assert any(e["event"] == "delisted" and e["date"] == "2026-11-21" for e in listing["events"])


def test_demo_names_one_address_by_three_authorities(tmp_path):
    feeds = tmp_path / "feeds"
    result = run(feeds, "--samples")
    assert result.exit_code == 0, result.output
    assert all(f"{name}: " in result.output for name in NEW_SOURCES)
    records = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]
    authorities = {r["id"]: {listing["source"] for listing in r["listings"]} for r in records}
    assert authorities["tron:TNZxGWCwvsHr6JxQxzoeDXV597Yf7Zb7nV"] == {"ofac_sdn", "eu_fsf", "fr_tresor"}
    assert {"ofac_sdn", "jp_mof"} <= authorities["ethereum:0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"]


def truncated(path: Path, tmp_path: Path) -> Path:
    cut = tmp_path / f"cut{path.suffix}"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return cut


ERROR_BODIES = ["error-500-html-2021-02-09.body", "empty-body-2022-08-27.body", "error-500-json-2026-02-08.body", None]
EXPECTED = {"error-500-html-2021-02-09.body": "an HTML page", "empty-body-2022-08-27.body": "the response is empty",
            "error-500-json-2026-02-08.body": "500 Internal Server Error", None: ""}


@pytest.mark.parametrize("name", NEW_SOURCES)
@pytest.mark.parametrize("body", ERROR_BODIES)
def test_error_bodies_give_one_line_and_keep_the_last_good_data(tmp_path, name, body):
    feeds = tmp_path / "feeds"
    sample = load_sources()[name].sample_path()
    good = run(feeds, "--only", name, "--source", f"{name}={sample}")
    assert good.exit_code == 0, good.output
    before = (feeds / "latest" / "addresses.json").read_bytes()
    bad = truncated(sample, tmp_path) if body is None else real_fixture(f"eu/error-bodies/{body}")
    result = run(feeds, "--only", name, "--source", f"{name}={bad}", now="2026-11-25T13:00:00Z")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {name}: {bad.resolve()}: ") and EXPECTED[body] in lines[0], lines
    assert "Traceback" not in result.output
    assert (feeds / "latest" / "addresses.json").read_bytes() == before
    (source,) = json.loads((feeds / "index.json").read_text())["sources"]
    assert source["last_success"] == "2026-11-25T12:00:00Z"


def test_an_http_error_names_its_status():
    spider = load_sources()["eu_fsf"]()
    with pytest.raises(SourceError, match=r"eu_fsf: https://webgate.*: HTTP 500: 500 Internal Server Error"):
        drive(spider, lambda r: (500, (real_fixture("eu/error-bodies/error-500-json-2021-11-04.body")).read_bytes()))


def test_a_workbook_that_would_unpack_too_far_is_refused(monkeypatch):
    from sanctions_feed.spiders import jp_mof

    monkeypatch.setattr(jp_mof, "MAX_UNPACKED", 1000)
    with pytest.raises(ValueError, match="would unpack to"):
        jp_mof.open_workbook(JpMofSpider.sample_path().read_bytes())
    with pytest.raises(ValueError, match="not a readable XLSX"):
        jp_mof.open_workbook(b"PK\x03\x04" + b"x" * 100)


def test_a_record_without_its_id_is_rejected_and_the_others_flow(tmp_path):
    uk = load_sources()["gb_fcdo"].sample_path().read_text(encoding="utf-8")
    path = tmp_path / "uk.xml"
    path.write_text(uk.replace("<UniqueID>RUS3602</UniqueID>", "", 1), encoding="utf-8")
    spider = load_sources()["gb_fcdo"](location=str(path))
    items, _ = drive(spider, lambda request: (200, path.read_bytes()))
    (rejected,) = [i["rejected"] for i in items if "rejected" in i]
    assert rejected["reason"] == "a designation without a UniqueID" and "EXMO EXCHANGE LIMITED" in rejected["raw"]
    assert {i["listing"]["source_record_id"] for i in items if "listing" in i} == {"GHR0174", "GHR0190", "RUS3603"}

    registre = json.loads(load_sources()["fr_tresor"].sample_path().read_text(encoding="utf-8"))
    del registre["Publications"]["PublicationDetail"][1]["IdRegistre"]
    registre["Publications"]["PublicationDetail"][0]["RegistreDetail"].append({"TypeChamp": "ADRESSE_CRYPTO", "Valeur": "x"})
    path = tmp_path / "fr.json"
    path.write_text(json.dumps(registre, ensure_ascii=False), encoding="utf-8")
    found, _, spider = read("fr_tresor", path)
    assert {item.listing.source_record_id for item in found.values()} == {"7342"}
    assert spider.unconsumed == ["measure 7342: ADRESSE_CRYPTO"]  # a field we do not know is said


def test_an_unreadable_date_keeps_the_address_and_says_so(tmp_path, caplog):
    eu = load_sources()["eu_fsf"].sample_path().read_text(encoding="utf-8")
    path = tmp_path / "eu.xml"
    path.write_text(eu.replace('designationDate="2025-10-23"', 'designationDate="23/10/2025"'), encoding="utf-8")
    found, _, _ = read("eu_fsf", path)
    grinex = found["eu_fsf|EU.13770.38|tron:TC8axQvzJEVR3NKN6mZnJtGy7537GEmh38"].listing
    assert grinex.listed_on is None
    assert any("EU.13770.38: unreadable designation date '23/10/2025'" in r.getMessage() for r in caplog.records)


def test_a_text_that_names_addresses_none_readable_is_a_rejected_record(tmp_path):
    uk = load_sources()["gb_fcdo"].sample_path().read_text(encoding="utf-8")
    cut = uk.replace("TJqUC56SDZ373JYRurzXtMcor2HQvN9BaU\nTVa1p4aTVoHuF4EDGthn57FbKNbu4DRJkQ \nTCQqA58EmX6AnUZKPCogL2Q441B4ThbJGN ",
                     "(see the annex)")
    assert cut != uk
    path = tmp_path / "uk.xml"
    path.write_text(cut, encoding="utf-8")
    feeds = tmp_path / "feeds"
    result = run(feeds, "--only", "gb_fcdo", "--source", f"gb_fcdo={path}", "--force")
    assert result.exit_code == 0 and "gb_fcdo: 6 listings, 1 rejected" in result.output, result.output
    rejected = (feeds / "latest" / "rejected.csv").read_text(encoding="utf-8")
    assert "RUS3602" in rejected and "says it names crypto addresses, but none could be read" in rejected
    assert "RUS3603" not in rejected  # ABCeX's text names exchanges, not addresses


def test_a_japanese_row_without_a_notice_number_that_names_addresses_is_said(tmp_path, caplog):
    workbook = openpyxl.load_workbook(JpMofSpider.sample_path())
    workbook["17.北朝鮮(協調；個人)"].append(["", "", "", "", "", "暗号資産アドレス：0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"])
    path = tmp_path / "jp_mof.xlsx"
    workbook.save(path)
    read("jp_mof", path)
    assert any("a row without a notice number speaks of crypto addresses" in r.getMessage() for r in caplog.records)
