"""Holder names: cleaned like addresses, every change recorded."""

from __future__ import annotations

import pytest

from sanctions_feed.normalize.names import clean_name
from sanctions_feed.pipeline.normalizing import normalize_listings
from sanctions_feed.schemas.source import Holder, RawListing


@pytest.mark.parametrize(("raw", "expected"), [
    (None, (None, ())),
    ("", (None, ())),
    ("AMIRA BERRI", ("AMIRA BERRI", ())),
    ("ΑМIRA BERRI", ("AMIRA BERRI", ("homoglyphs_replaced",))),  # Greek Alpha, Cyrillic Em: as published
    ('"Saleh M S Abutaha"', ("Saleh M S Abutaha", ("quotes_stripped",))),
    ("O'BRIEN, Sean", ("O'BRIEN, Sean", ())),
    ('Ahmed "Abu Ali" Hassan', ('Ahmed "Abu Ali" Hassan', ())),
    ("ОЛЕГ ИВАНОВ", ("ОЛЕГ ИВАНОВ", ())),  # a name in Cyrillic is a name, not look-alikes
    ("תאופיק באיארי", ("תאופיק באיארי", ())),
    ("KHOROSHEV,\u200b Dmitry  Yuryevich", ("KHOROSHEV, Dmitry Yuryevich", ("invisible_characters_stripped",))),
    ('""', (None, ("quotes_stripped",))),
])
def test_clean_name(raw, expected):
    assert clean_name(raw) == expected


def test_the_normalize_step_cleans_holders_and_records_it():
    listing = RawListing(source="il_nbctf", source_record_id="ASO 19/25", raw_address="307797077",
                         raw_label="חשבון Binance", holder=Holder(name="ΑМIRA BERRI", type="individual"),
                         holders=[Holder(name='"Saleh M S Abutaha"')])
    (item,) = normalize_listings([listing]).values()
    assert (item.listing.holder.name, item.listing.holder.issues) == ("AMIRA BERRI", ["homoglyphs_replaced"])
    assert (item.listing.holders[0].name, item.listing.holders[0].issues) == ("Saleh M S Abutaha", ["quotes_stripped"])
