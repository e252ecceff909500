"""Addresses in prose: every style of the real fixtures, and nothing that is not an address."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctions_feed.normalize.extract import extract

from .conftest import real_fixture

yaml = pytest.importorskip("yaml", reason="PyYAML reads the UK designation fixtures")

BTC = ["3My1ffQr5qQzmq4aBFgRqwRYqfB5zPAt8t", "12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz", "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U"]
ETH = "0x002471b8A185f9980708d0eAEC5B289714F56f8d"
TRX = "TA1hsikRfsgGiW9nEBpT4tEXEySTNYLr2d"


def found(text):
    return [(m.label, m.address.chain, m.address.address, m.address.validity) for m in extract(text)]


@pytest.mark.parametrize("text", [None, "", "   ", "no addresses here at all", "Passport LR2356791; tax 02312202410120",
                                  "IMO 9179842, phone +970 59 755 6300, reg. 311748-3301-OOO"])
def test_edge_cases_give_nothing(text):
    assert extract(text) == []


def test_labelled_lines_each_label_for_the_addresses_it_introduces():
    text = f"Known wallet addresses:\nETH: {ETH}\nBTC: {BTC[0]}\n{BTC[1]}\nBSC: {ETH.lower()}\u00a0TRX: {TRX}"
    assert found(text) == [("ETH", "ethereum", ETH.lower(), "valid"), ("BTC", "bitcoin", BTC[0], "valid"),
                           ("BTC", "bitcoin", BTC[1], "valid"), ("BSC", "bsc", ETH.lower(), "valid"),
                           ("TRX", "tron", TRX, "valid")]


def test_numbered_labels_with_a_narrow_no_break_space():
    text = f"(1) ETH:\u202f{ETH} (2) BNB:\u202f{ETH.lower()}"
    assert [(label, chain) for label, chain, *_ in found(text)] == [("ETH", "ethereum"), ("BNB", "bsc")]


def test_ofac_styles_and_an_omni_tether_address():
    text = (f"Digital Currency Address - XBT {BTC[0]}; alt. Digital Currency Address - XBT {BTC[1]}; "
            f"Digital Currency Address: USDT {BTC[2]}.")
    assert found(text) == [("XBT", "bitcoin", BTC[0], "valid"), ("XBT", "bitcoin", BTC[1], "valid"),
                           ("USDT", "bitcoin", BTC[2], "valid")]


def test_a_section_label_and_then_prose_ends_it():
    text = (f"Byex is associated with the following Tron crypto addresses:\n\n{TRX}\n\n"
            f"It also holds {ETH} at an exchange.")
    assert found(text) == [("Tron", "tron", TRX, "valid"), (None, "ethereum", ETH.lower(), "valid")]


def test_separators_duplicates_and_trailing_full_stop():
    text = f"wallet addresses: {BTC[0]};{BTC[1]}，{BTC[2]}；{BTC[0]}\t{TRX}."
    assert [a for _, _, a, _ in found(text)] == [BTC[0], BTC[1], BTC[2], TRX]


def test_glued_addresses_are_split_only_where_every_piece_validates():
    assert [a for _, _, a, _ in found("BTC: " + "".join(BTC))] == BTC
    # A stray letter glued after them: each address still validates by its checksum, the letter is a word.
    assert [a for _, _, a, _ in found("BTC: " + "".join(BTC) + "x")] == BTC
    # Nothing validates: kept whole as the label's invalid address, as published.
    assert found("BTC: " + BTC[0][:-1] + "x") == [("BTC", "bitcoin", BTC[0][:-1] + "x", "invalid")]


def test_an_address_broken_by_a_line_break_is_joined_only_if_it_then_validates():
    assert found(f"Known addresses:\n{TRX[:24]}\n{TRX[24:]}") == [(None, "tron", TRX, "valid")]
    assert found(f"{TRX[:24]}\nXYZ{TRX[24:]}") == []


def test_a_labelled_bad_address_is_kept_invalid_and_an_unlabelled_one_never():
    bad = BTC[0][:-1] + ("a" if BTC[0][-1] != "a" else "b")
    (mention,) = extract(f"XBT {bad}")
    assert (mention.raw, mention.label, mention.address.validity) == (bad, "XBT", "invalid")
    assert extract(f"see {bad}") == []


def test_look_alike_letters_and_invisible_characters():
    text = f"TRX: {TRX[:5]}\u200b{TRX[5:]}"
    assert found(text) == [("TRX", "tron", TRX, "valid")]


def test_the_uk_xml_excerpt_xinbi_40_and_exmo_3():
    text = real_fixture("uk/uk-sanctions-list-excerpt.xml").read_text(encoding="utf-8")
    blocks = re.findall(r"<OtherInformation>(.*?)</OtherInformation>", text, re.S)
    counts = [len(extract(b)) for b in blocks]
    assert counts == [40, 3]
    assert all(m.address.chain == "tron" and m.address.validity == "valid" for b in blocks for m in extract(b))


@pytest.mark.parametrize(("name", "expected"), [("ghr0174", 4), ("ghr0190", 2), ("rus3602", 3), ("rus3603", 0)])
def test_uk_designation_texts(name, expected):
    designation = yaml.safe_load(real_fixture(f"uk/ammitto/{name}.yaml").read_text(encoding="utf-8"))
    mentions = extract(designation["other_information"])
    assert len(mentions) == expected
    assert extract(designation.get("uk_statement_of_reasons")) == []  # ABCeX names Garantex and Grinex: no address


def test_the_eu_excerpt_gives_9_with_the_split_tron_address_joined():
    text = real_fixture("eu/fsf-excerpt.xml").read_text(encoding="utf-8")
    mentions = [m for remark in re.findall(r"<remark>(.*?)</remark>", text, re.S) for m in extract(remark)]
    assert len(mentions) == 9 and all(m.address.validity == "valid" for m in mentions)
    assert "TNZxGWCwvsHr6JxQxzoeDXV597Yf7Zb7nV" in {m.address.address for m in mentions}


def test_the_french_grinex_entry_gives_3_and_nothing_from_its_numbers():
    entry = json.loads(real_fixture("fr/kyros-index-2026-05-31-grinex.json").read_text(encoding="utf-8"))["entries"][0]
    per_value = [extract(f"{i['identification']} {i['commentaire']}") for i in entry["Identifications"]]
    assert [len(m) for m in per_value] == [0, 0, 0, 0, 0, 3, 0]


REAL = BTC + [ETH, TRX]


@settings(max_examples=300)
@given(text=st.lists(st.one_of(st.sampled_from(REAL + ["ETH:", "XBT", "Tron", "the", "addresses:", ";", "\n"]),
                               st.text(max_size=40)), max_size=12).map(" ".join))
def test_only_addresses_that_validate_or_labelled_ones_kept_as_published(text):
    for mention in extract(text):
        if mention.label is None:
            assert mention.address.validity == "valid" and mention.address.chain != "solana"
        else:
            assert mention.address.validity == "valid" or mention.raw in text.replace("\u200b", "")
        assert mention.address.kind in ("address", "tagged_deposit")  # a tag written after it: a deposit
