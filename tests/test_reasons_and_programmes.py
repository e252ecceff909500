"""Why a record is listed, and what its programme means: each source's reason or remark reaches
its listings (trimmed, with the language), and the programme tables give the authority's name and
an English title beside the official value, never a guessed one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanctions_feed.schemas.authorities import AUTHORITIES, program_title
from sanctions_feed.schemas.source import REASON_MAX, RawListing
from sanctions_feed.spiders import load_sources

from .conftest import real_fixture
from .test_official_lists import read

SAMPLES = Path(__file__).parent.parent / "spiders" / "samples"


def reasons(found) -> dict[str, str | None]:
    return {item.listing.source_record_id: item.listing.reason for item in found.values()}


def test_the_uk_statement_of_reasons_is_the_reason():
    found, _, _ = read("gb_fcdo", real_fixture("uk/uk-sanctions-list-excerpt.xml"))
    reason = reasons(found)["GHR0190"]
    assert reason and reason.startswith("The Secretary of State considers that there are reasonable grounds") and "  " not in reason


def test_the_eu_remark_is_the_reason():
    found, _, _ = read("eu_fsf", real_fixture("eu/fsf-excerpt.xml"))
    by_record = reasons(found)
    assert by_record["EU.12747.39"].startswith("Place of registration: Moscow")
    assert by_record["EU.13770.38"].startswith("Type of entity: Limited Liability Company.")


def test_the_french_motifs_are_the_reason(tmp_path):
    data = json.loads((SAMPLES / "fr_tresor.json").read_text(encoding="utf-8"))
    measure = data["Publications"]["PublicationDetail"][0]
    measure["RegistreDetail"].append({"TypeChamp": "MOTIFS", "Valeur": ["Plateforme d'échange   liée à Garantex."]})
    (tmp_path / "fr_tresor.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    found, _, _ = read("fr_tresor", tmp_path / "fr_tresor.json")
    record = str(measure["IdRegistre"])
    assert reasons(found)[record] == "Plateforme d'échange liée à Garantex."


def test_ofac_remarks_besides_the_addresses_are_the_reason():
    found, _, _ = read("ofac_sdn_legacy", SAMPLES / "ofac_sdn_legacy" / "sdn.csv")
    remarks = [r for r in reasons(found).values() if r]
    assert remarks and not any("Digital Currency Address" in r for r in remarks)


@pytest.mark.parametrize(("length", "kept"), [(REASON_MAX, REASON_MAX), (REASON_MAX + 1, REASON_MAX)],
                         ids=["at the limit: whole", "one over: cut with an ellipsis"])
def test_a_reason_is_cut_at_its_limit(length, kept):
    reason = RawListing(source="s", source_record_id="1", raw_address="x", reason="a" * length).reason
    assert len(reason) == kept and reason.endswith("…") == (length > REASON_MAX)


def test_every_source_declares_its_authority_from_the_one_table():
    for name, spider in load_sources().items():
        assert spider.meta.authority == AUTHORITIES[name].name


@pytest.mark.parametrize(("source", "value", "title"), [
    ("ofac_sdn", "CYBER2", "Malicious cyber-enabled activities (EO 13694 as amended by EO 13757)"),
    ("ofac_sdn", "NOT-A-PROGRAM", None),
    ("jp_mof", "北朝鮮(協調；個人)", "North Korea (measures in coordination with other countries; individuals)"),
    ("jp_mof", "ロシア連邦(団体(特定銀行を除く))", "Russian Federation (entities (excluding specified banks))"),
    ("jp_mof", "未知の制度", None),
    ("eu_fsf", "UKR", "Ukraine (territorial integrity)"),
    ("eu_fsf", "Regulation 2025/389 (OJ L24022025)", "Regulation 2025/389 (OJ L24022025)"),
    ("il_nbctf", "ASO (Seizure)", "Administrative seizure order (Counter-Terrorism Law, Minister of Defense)"),
    ("il_nbctf", "FO (Forfeiture)", "Forfeiture order (Counter-Terrorism Law)"),
    ("fr_tresor", "Règlement (UE) n° 269/2014 du Conseil du 17 mars 2014",
     "Council Regulation (EU) No 269/2014 of 17 March 2014"),
    ("fr_tresor", "Arrêté du 1er juillet 2026", None),
    ("fr_tresor", "Règlement d'exécution (UE) n° 2024/1234 du Conseil du 1er juillet 2024",
     "Council Implementing Regulation (EU) No 2024/1234 of 1 July 2024"),
    ("jp_mof", "【解除】リベリア", "[lifted] Liberia"),
    ("eu_fsf", "XYZ", None),
    ("il_nbctf", "צ.ת 18/26 של שר הביטחון", "Administrative seizure order (Counter-Terrorism Law, Minister of Defense)"),
    ("us_fbi", "FBI notice X", "FBI notice X"),
    ("unknown_source", "CYBER2", None),
    ("gb_fcdo", "The Russia (Sanctions) (EU Exit) Regulations 2019", "The Russia (Sanctions) (EU Exit) Regulations 2019"),
], ids=lambda v: str(v)[:30])
def test_programme_titles(source, value, title):
    assert program_title(source, value) == title


def test_every_programme_of_the_real_japanese_workbook_has_a_title():
    import openpyxl

    from sanctions_feed.spiders.jp_mof import regime

    book = openpyxl.load_workbook(real_fixture("jp/mof-shisantouketsu-2026-03-05.xlsx"), read_only=True)
    untitled = [name for name in book.sheetnames[1:] if program_title("jp_mof", regime(name)) is None]
    assert untitled == []


def test_every_programme_of_the_bundled_samples_has_a_title(sample_feed):
    addresses = json.loads((sample_feed / "latest" / "addresses.json").read_text())["addresses"]
    listings = [x for a in addresses for x in a["listings"]]
    assert all(set(x["program_titles"]) == set(x["programs"]) for x in listings)
    assert {x["authority"] for x in listings} == {a.name for a in AUTHORITIES.values()}
    assert all(x["reason_lang"] == "en" for x in listings if x["source"] in ("gb_fcdo", "eu_fsf") and x["reason"])


def test_what_our_own_tables_add_to_a_listing_is_no_change_of_the_lists():
    from sanctions_feed.publish.diff import diff, is_empty

    from .test_published_files import shared_address

    before = shared_address()
    titled = before.model_copy(update={"listings": [x.model_copy(update={"authority": "US Treasury OFAC",
                                                                          "program_titles": {"SDGT": "x"}})
                                                     for x in before.listings]})
    assert is_empty(diff("A", [before], "B", [titled]))
    reasoned = before.model_copy(update={"listings": [x.model_copy(update={"reason": "Linked To: X"})
                                                       for x in before.listings]})
    changes = diff("A", [before], "B", [reasoned])
    assert [c.fields["reason"].after for c in changes.listings] == ["Linked To: X", "Linked To: X"]


@pytest.mark.parametrize(("stored", "now", "corrected"), [
    (None, "a reason", False), ("a reason", "a reason", False), ("a reason", "another", True)],
    ids=["first kept: no correction", "the same: none", "the source changed it: corrected"])
def test_a_changed_reason_is_a_correction(stored, now, corrected):
    from .test_lifecycle import stored as stored_row
    from .test_lifecycle import update_events, values

    assert ("corrected" in update_events(stored_row(reason=stored), values(reason=now))) == corrected
