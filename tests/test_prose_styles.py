"""Addresses in any written style, read in each prose source's real format: the EU's remark, the
UK's OtherInformation and statement of reasons, France's IDENTIFICATION and MOTIFS, Japan's
その他の情報, an FBI notice's page. And what looks like an address but is none is warned about."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctions_feed.normalize.extract import read_prose
from sanctions_feed.pipeline.normalizing import normalize_listings
from sanctions_feed.schemas.source import RawListing
from sanctions_feed.spiders.us_fbi import UsFbiSpider

from .prose_styles import BTC, ETH, STYLES, TAGGED, all_styles, canonical, full_width
from .test_normalize_properties import CHECKSUMMED
from .test_official_lists import read

SAMPLES = Path(__file__).parent.parent / "spiders" / "samples"


@pytest.mark.parametrize("style", list(STYLES))
def test_each_written_style_yields_its_addresses_exactly(style):
    text, named = STYLES[style]
    prose = read_prose(text)
    assert [m.address.address for m in prose.mentions] == [canonical(a) for a in named]
    assert all(m.address.validity == "valid" for m in prose.mentions) and prose.unread == []


@pytest.mark.parametrize("style", list(TAGGED))
def test_a_tag_written_after_an_address_in_prose_makes_a_tagged_deposit(style):
    text, address, tag = TAGGED[style]
    (mention,) = read_prose(text).mentions
    assert (mention.address.kind, mention.address.address, mention.address.tag) == ("tagged_deposit", address, tag)
    # The raw text kept for the listing reads the same again (the store re-reads it).
    from sanctions_feed.normalize import normalize

    assert normalize(mention.raw, mention.label) == [mention.address]


@pytest.mark.parametrize(("pieces", "joined"), [(4, True), (5, False)], ids=["four lines: joined", "five: not"])
def test_an_address_broken_over_up_to_four_lines_is_joined(pieces, joined):
    from sanctions_feed.normalize.extract import MAX_PIECES

    assert MAX_PIECES == 4
    address = BTC[3]  # 42 characters of bech32: no piece validates alone
    size = -(-len(address) // pieces)
    text = "wallet:\n" + "\n".join(address[i:i + size] for i in range(0, len(address), size))
    assert [m.address.address for m in read_prose(text).mentions] == ([address] if joined else [])


def test_a_hyphen_at_a_line_end_joins_the_pieces_of_an_address():
    assert [m.address.address for m in read_prose(f"{BTC[3][:20]}-\n{BTC[3][20:]}").mentions] == [BTC[3]]
    assert read_prose(f"{BTC[3][:20]} - {BTC[3][20:]}").mentions == []  # a dash in a line separates


def test_a_footnote_mark_after_an_address_separates_it():
    """NFKC would turn `²` into `2` and glue it to the address (after an EVM address, a longer hex
    string: a hash, never split): a character folded from elsewhere into a letter or digit
    separates instead (full-width forms alone fold into the address)."""
    text = f"{ETH[0]}² and {full_width(BTC[2])}①"
    assert [m.address.address for m in read_prose(text).mentions] == [canonical(ETH[0]), BTC[2]]


def test_an_address_like_run_that_validates_nowhere_is_a_warning_naming_the_record():
    broken = BTC[0][:-1] + ("a" if BTC[0][-1] != "a" else "b")
    listing = RawListing(source="eu_fsf", source_record_id="EU.1.2", raw_address=f"wallets {ETH[0]} and {broken}",
                         prose=True)
    unread: list = []
    found = normalize_listings([listing], unread)
    assert [item.address.address for item in found.values()] == [canonical(ETH[0])]
    (rejected,) = unread
    assert (rejected.source, rejected.source_record_id, rejected.raw) == ("eu_fsf", "EU.1.2", broken)
    assert "validates as none" in rejected.reason


@pytest.mark.parametrize("text", ["IBAN DE89370400440532013000 and MT84MALT011000012345MTLCAST001S",
                                  "IBAN FR1812345678912345678912345",  # valid, and all in base58's alphabet
                                  "tx 5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320",
                                  "tx 0x5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320",
                                  "Internationalisationsbestrebungen der Bundesrepublik",
                                  "passport 123456789, reg. 1027700132195"])
def test_numbers_words_and_hashes_are_neither_addresses_nor_warnings(text):
    assert read_prose(text) == ([], [])


def _new_addresses(before, after) -> set[str]:
    return {i.address.address for i in after.values()} - {i.address.address for i in before.values()}


def _injected(tmp_path, name, original: Path, replace) -> set[str]:
    before, _, _ = read(name, original)
    path = tmp_path / original.name
    replace(original, path)
    after, _, spider = read(name, path)
    assert not spider.unconsumed
    return _new_addresses(before, after)


def _every_style_in_xml_element(tmp_path, source: str, element: str) -> None:
    """All the styles in the first `<element>` of a source's XML sample: every address they name
    is read, and nothing else is."""
    text, expected = all_styles()

    def replace(original, path):
        xml = original.read_text(encoding="utf-8")
        path.write_text(re.sub(rf"<{element}>.*?</{element}>", f"<{element}>{escape(text)}</{element}>", xml, count=1,
                               flags=re.S), encoding="utf-8")
    new = _injected(tmp_path, source, SAMPLES / f"{source}.xml", replace)
    found, _, _ = read(source, tmp_path / f"{source}.xml")
    assert expected <= {i.address.address for i in found.values()} and new <= expected


def test_every_style_in_an_eu_remark(tmp_path):
    _every_style_in_xml_element(tmp_path, "eu_fsf", "remark")


@pytest.mark.parametrize("element", ["OtherInformation", "UKStatementofReasons"])
def test_every_style_in_a_uk_designation(tmp_path, element):
    _every_style_in_xml_element(tmp_path, "gb_fcdo", element)


@pytest.mark.parametrize("field", ["IDENTIFICATION", "MOTIFS"])
def test_every_style_in_a_french_measure(tmp_path, field):
    text, expected = all_styles()

    def replace(original, path):
        data = json.loads(original.read_text(encoding="utf-8"))
        measure = data["Publications"]["PublicationDetail"][0]
        measure["RegistreDetail"].append({"TypeChamp": field, "Valeur": [{"Identification": "/", "Commentaire": text}]
                                          if field == "IDENTIFICATION" else [text]})
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    new = _injected(tmp_path, "fr_tresor", SAMPLES / "fr_tresor.json", replace)
    found, _, _ = read("fr_tresor", tmp_path / "fr_tresor.json")
    assert expected <= {i.address.address for i in found.values()} and new <= expected


def test_every_style_in_a_japanese_workbook_cell(tmp_path):
    text, expected = all_styles()

    def replace(original, path):
        book = openpyxl.load_workbook(original)
        sheet = next(ws for ws in book.worksheets if any(c.value == "その他の情報" for row in ws.iter_rows(max_row=3)
                                                          for c in row))
        header = next(row for row in sheet.iter_rows(max_row=3) if any(c.value == "その他の情報" for c in row))
        column = next(c.column for c in header if c.value == "その他の情報")
        row = next(r for r in range(header[0].row + 1, sheet.max_row + 1)
                   if sheet.cell(r, 2).value and "削除" not in str(sheet.cell(r, 1).value or ""))
        sheet.cell(row, column).value = f"暗号資産アドレス：\n{text}"
        book.save(path)
    new = _injected(tmp_path, "jp_mof", SAMPLES / "jp_mof.xlsx", replace)
    found, _, _ = read("jp_mof", tmp_path / "jp_mof.xlsx")
    assert expected <= {i.address.address for i in found.values()} and new <= expected


def test_an_fbi_notice_page_in_any_style_is_read_against_the_registry(caplog):
    """The page check reads the notice's addresses however the page glues them (CJK, links,
    brackets, full-width forms); an address it cannot see is said, never passed over."""
    glued = [f"（{BTC[0]}）", f"https://mempool.space/address/{BTC[1]}", f"「{BTC[2]}」です", full_width(BTC[4]),
             f"{BTC[5]}<br/>"]
    registry = [BTC[0], BTC[1], BTC[2], BTC[4], BTC[5]]
    page = "<html><body><p>" + "、".join(glued) + "</p></body></html>"
    spider = UsFbiSpider()
    notice = {"id": "PSA-T", "label": "BTC", "addresses": registry}
    url = "https://www.ic3.gov/PSA/2099/PSA-T"
    with caplog.at_level(logging.INFO):
        spider.compare_page(page.encode("utf-8"), 200, url, notice)
    assert "lists the registry's 5 addresses" in caplog.text and "differs" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        spider.compare_page(page.encode("utf-8"), 200, url, {**notice, "addresses": [*registry, BTC[3]]})
    assert "1 missing from the page" in caplog.text


VALID = [address for address, _ in CHECKSUMMED]
SURROUNDINGS = st.sampled_from(["", " ", "\n", "\t", ":", "ETH:", "/", "#/address/", "https://tronscan.org/#/address/",
                                "（", "）", "「", "」", "。", "、", "です", "及び", "<br/>", "<p>", "\"", "'", "(", ")",
                                "[", "]", ";", ",", "\u00a0", "\u3000", "\u200b", "暗号資産アドレス：", "wallet "])
PROSE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="0123456789"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"), max_size=20)


@settings(max_examples=300)
@given(address=st.sampled_from(VALID), before=st.lists(st.one_of(SURROUNDINGS, PROSE), max_size=4),
       after=st.lists(st.one_of(SURROUNDINGS, PROSE), max_size=4), wide=st.booleans())
def test_a_valid_address_in_any_surroundings_is_extracted_exactly_once(address, before, after, wide):
    written = full_width(address) if wide else address
    text = "".join(before) + written + "".join(after)
    found = [m.address.address for m in read_prose(text).mentions]
    assert found == [canonical(address)], text


@settings(max_examples=300)
@given(parts=st.lists(st.one_of(SURROUNDINGS, PROSE, st.sampled_from(["the", "TRX", "BTC:", "Tron", "12", "a)"])),
                      max_size=12))
def test_nothing_is_extracted_from_text_without_an_address(parts):
    """Nothing valid is ever found in word salad; what a label introduces is kept, invalid, as
    published (`TRX:thethetheTron...`: see the next test), never dropped."""
    mentions = read_prose("".join(parts)).mentions
    assert all(m.label and m.address.validity == "invalid" for m in mentions), mentions


def test_a_run_a_label_introduces_is_kept_invalid_as_published_even_when_it_reads_like_words():
    """Found by the property above: a 25-character run of the address alphabet after `TRX:` is
    what the source wrote as the address; it is kept and flagged, never silently dropped."""
    (mention,) = read_prose("TRX:thethetheTronTronTronTron").mentions
    assert (mention.label, mention.address.chain, mention.address.validity) == ("TRX", "tron", "invalid")
    assert read_prose("thethetheTronTronTronTron").mentions == []  # without the label: nothing
