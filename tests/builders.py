"""Build source files in their real formats from small specs (for tests, samples and bench).

`sdn_advanced_xml` follows the structure of OFAC's SDN_ADVANCED.XML (ReferenceValueSets,
DistinctParty/Profile/Identity/Alias, Feature/FeatureVersion/VersionDetail, SanctionsEntries).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

NS_OLD = "http://www.un.org/sanctions/1.0"
NS_NEW = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
CODES = ["XBT", "ETH", "XMR", "LTC", "ZEC", "DASH", "BTG", "ETC", "BSV", "BCH", "XVG", "USDT",
         "USDC", "TRX", "ARB", "BSC", "XRP", "SOL"]


@dataclass(frozen=True)
class ReferenceIds:
    """The numeric IDs a file gives its reference values. A parser must resolve them by name from
    the file's own tables: tests also run with IDs unlike today's (`OTHER_IDS`)."""

    feature_base: int = 344
    last_name: int = 1520
    first_name: int = 1521
    entity_name: int = 1525
    party_types: tuple = (("Individual", 1), ("Entity", 2), ("Transport", 4))
    subtypes: tuple = (("individual", 4, "Individual"), ("entity", 3, "Entity"), ("vessel", 1, "Transport"))
    """(our party type, PartySubType ID, the PartyType it belongs to)"""
    block: int = 1705
    program: int = 1

    def feature_type(self, code: str) -> int:
        return self.feature_base + CODES.index(code) if code in CODES else 900 + sum(map(ord, code))

    def subtype(self, kind: str) -> int:
        return next(sub_id for name, sub_id, _ in self.subtypes if name == kind)


TODAY_IDS = ReferenceIds()
OTHER_IDS = ReferenceIds(feature_base=70011, last_name=8, first_name=1520, entity_name=1521,
                         party_types=(("Individual", 2), ("Entity", 1), ("Transport", 9)),
                         subtypes=(("individual", 3, "Individual"), ("entity", 4, "Entity"), ("vessel", 7, "Transport")),
                         block=1, program=1705)


def feature_type_id(code: str, ids: ReferenceIds = TODAY_IDS) -> int:
    return ids.feature_type(code)


def _date(tag: str, when: date) -> str:
    return f"<{tag}><Year>{when.year}</Year><Month>{when.month}</Month><Day>{when.day}</Day></{tag}>"


def reference_values(codes=CODES, ids: ReferenceIds = TODAY_IDS) -> str:
    features = "".join(f'<FeatureType ID="{ids.feature_type(c)}" FeatureTypeGroupID="1">'
                       f"Digital Currency Address - {c}</FeatureType>" for c in codes)
    party_type_ids = dict(ids.party_types)
    subtypes = "".join(f'<PartySubType ID="{sub_id}" PartyTypeID="{party_type_ids[parent]}">'
                       f'{"Vessel" if kind == "vessel" else "Unknown"}</PartySubType>'
                       for kind, sub_id, parent in ids.subtypes)
    party_types = "".join(f'<PartyType ID="{type_id}">{name}</PartyType>' for name, type_id in ids.party_types)
    return (
        "<ReferenceValueSets>"
        '<AliasTypeValues><AliasType ID="1400">A.K.A.</AliasType><AliasType ID="1403">Name</AliasType></AliasTypeValues>'
        '<FeatureTypeValues><FeatureType ID="8" FeatureTypeGroupID="1">Birthdate</FeatureType>'
        f"{features}</FeatureTypeValues>"
        f'<NamePartTypeValues><NamePartType ID="{ids.last_name}">Last Name</NamePartType>'
        f'<NamePartType ID="{ids.first_name}">First Name</NamePartType>'
        f'<NamePartType ID="{ids.entity_name}">Entity Name</NamePartType></NamePartTypeValues>'
        f"<PartySubTypeValues>{subtypes}</PartySubTypeValues>"
        f"<PartyTypeValues>{party_types}</PartyTypeValues>"
        f'<SanctionsTypeValues><SanctionsType ID="{ids.block}">Block</SanctionsType>'
        f'<SanctionsType ID="{ids.program}">Program</SanctionsType></SanctionsTypeValues>'
        "</ReferenceValueSets>"
    )


def feature(ref: str, index: int, code: str, address: str, ids: ReferenceIds = TODAY_IDS) -> str:
    return (f'<Feature ID="{ref}{index:03d}" FeatureTypeID="{ids.feature_type(code)}">'
            f'<FeatureVersion ID="{ref}{index:03d}" ReliabilityID="1"><Comment />'
            f'<VersionDetail DetailTypeID="1432">{escape(address)}</VersionDetail></FeatureVersion>'
            f'<IdentityReference IdentityID="{ref}" IdentityFeatureLinkTypeID="1" /></Feature>')


def distinct_party(party: dict, ids: ReferenceIds = TODAY_IDS) -> str:
    ref = party["fixed_ref"]
    subtype = ids.subtype(party.get("type", "entity"))
    if "," in party["name"] and party.get("type") == "individual":
        last, first = (p.strip() for p in party["name"].split(",", 1))
        # The first name part comes first in the file: the parser must order by type, not position.
        parts = [(f"{ref}2", ids.first_name, first), (f"{ref}1", ids.last_name, last)]
    else:
        parts = [(f"{ref}1", ids.entity_name, party["name"])]
    name_parts = "".join(f'<DocumentedNamePart><NamePartValue NamePartGroupID="{g}" ScriptID="215" '
                         f'ScriptStatusID="1" Acronym="false">{escape(t)}</NamePartValue></DocumentedNamePart>'
                         for g, _, t in parts)
    groups = "".join(f'<MasterNamePartGroup><NamePartGroup ID="{g}" NamePartTypeID="{k}" /></MasterNamePartGroup>'
                     for g, k, _ in parts)
    features = "".join(feature(ref, i, code, address, ids) for i, (code, address) in enumerate(party.get("addresses", [])))
    return (
        f'<DistinctParty FixedRef="{ref}"><Comment /><Profile ID="{ref}" PartySubTypeID="{subtype}">'
        f'<Identity ID="{ref}" FixedRef="{ref}" Primary="true" False="false">'
        f'<Alias FixedRef="{ref}" AliasTypeID="1400" Primary="false" LowQuality="false">'
        f'<DocumentedName ID="{ref}9" FixedRef="{ref}" DocNameStatusID="2"><DocumentedNamePart>'
        f'<NamePartValue NamePartGroupID="{ref}9" ScriptID="215" ScriptStatusID="1" Acronym="false">'
        f'AKA OF {escape(party["name"])}</NamePartValue></DocumentedNamePart></DocumentedName></Alias>'
        f'<Alias FixedRef="{ref}" AliasTypeID="1403" Primary="true" LowQuality="false">'
        f'<DocumentedName ID="{ref}" FixedRef="{ref}" DocNameStatusID="1">{name_parts}</DocumentedName></Alias>'
        f'<NamePartGroups>{groups}<MasterNamePartGroup><NamePartGroup ID="{ref}9" NamePartTypeID="{ids.entity_name}" />'
        f"</MasterNamePartGroup></NamePartGroups></Identity>{features}</Profile></DistinctParty>"
    )


def sanctions_entry(party: dict, ids: ReferenceIds = TODAY_IDS) -> str:
    ref = party["fixed_ref"]
    programs = "".join(f'<SanctionsMeasure ID="{ref}{i}" SanctionsTypeID="{ids.program}"><Comment>{escape(p)}</Comment>'
                       '<DatePeriod CalendarTypeID="1" YearFixed="true" MonthFixed="true" DayFixed="true" />'
                       "</SanctionsMeasure>" for i, p in enumerate(party.get("programs", [])))
    return (f'<SanctionsEntry ID="{ref}" ProfileID="{ref}" ListID="1550">'
            f'<EntryEvent ID="{ref}" EntryEventTypeID="1" LegalBasisID="1"><Comment />'
            f'{_date("Date", party.get("listed_on", date(2020, 1, 1)))}</EntryEvent>'
            f'<SanctionsMeasure ID="{ref}0000" SanctionsTypeID="{ids.block}"><Comment>NOT A PROGRAM</Comment></SanctionsMeasure>'
            f"{programs}</SanctionsEntry>")


def sdn_advanced_xml(parties: list[dict], issued: date = date(2026, 11, 20), namespace: str = NS_NEW,
                     extra_codes=(), ids: ReferenceIds = TODAY_IDS) -> bytes:
    codes = CODES + [c for c in extra_codes if c not in CODES]
    issue_date = _date("DateOfIssue", issued)
    body = (
        f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Sanctions xmlns="{namespace}" Version="3">'
        f"{issue_date}{reference_values(codes, ids)}<DistinctParties>"
        + "".join(distinct_party(p, ids) for p in parties)
        + "</DistinctParties><ProfileRelationships /><SanctionsEntries>"
        + "".join(sanctions_entry(p, ids) for p in parties)
        + "</SanctionsEntries></Sanctions>\n"
    )
    return body.encode("utf-8")


def zipped(name: str, data: bytes) -> bytes:
    """A zip of one file, the same bytes whenever it is made (a fixed time: parametrized test ids
    made of it must agree across xdist workers)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 20, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# Real OFAC designations with their published addresses (public facts).
SAMPLE_PARTIES = [
    {"fixed_ref": "29702", "name": "LIFSHITS, Artem Mikhaylovich", "type": "individual",
     "programs": ["CYBER2", "ELECTION-EO13848"], "listed_on": date(2020, 9, 10),
     "addresses": [("XBT", "12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz"), ("XBT", "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U"),
                   ("ETH", "0x901bb9583b24d97e995513c6778dc6888ab6870e"), ("ETH", "0xa7e5d5a720f06526557c513402f2e6b5fa20b008"),
                   ("LTC", "Leo3j36nn1JcsUQruytQhFUdCdCH5YHMR3"), ("DASH", "Xs3vzQmNvAxRa3Xo8XzQqUb3BMgb9EogF4")]},
    {"fixed_ref": "33151", "name": "SUEX OTC, S.R.O.", "type": "entity", "programs": ["CYBER2"],
     "listed_on": date(2021, 9, 21),
     "addresses": [("XBT", "12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx"), ("XBT", "1L4ncif9hh9TnUveqWq77HfWWt6CJWtrnb"),
                   ("ETH", "0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535"), ("USDT", "0x2f389ce8bd8ff92de3402ffce4691d17fc4f6535"),
                   ("USDT", "1KUUJPkyDhamZXgpsyXqNGc3x1QPXtdhgz"), ("USDT", "0x19aa5fe80d33a56d56c78e82ea5e50e5d80b4dff")]},
    {"fixed_ref": "48603", "name": "KHOROSHEV, Dmitry Yuryevich", "type": "individual", "programs": ["CYBER2"],
     "listed_on": date(2024, 5, 7), "addresses": [("XBT", "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z")]},
    {"fixed_ref": "45431", "name": "IRAN-BASED CRYPTO OPERATOR (sample: TRON address filed under XBT)", "type": "entity",
     "programs": ["SDGT"], "listed_on": date(2023, 10, 3),
     "addresses": [("XBT", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")]},
    {"fixed_ref": "38405", "name": "SAMPLE HOLDER OF A NON-ADDRESS XMR VALUE", "type": "individual",
     "programs": ["CYBER2"], "listed_on": date(2022, 9, 1),
     "addresses": [("XMR", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"),
                   ("XMR", "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL")]},
    {"fixed_ref": "50512", "name": "SAMPLE TETHER HOLDER (listed with USDT on several chains)", "type": "entity",
     "programs": ["SDGT", "IRGC"], "listed_on": date(2024, 2, 14),
     "addresses": [("USDT", "0x175d44451403Edf28469dF03A9280c1197ADb92c"), ("ARB", "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"),
                   ("BSC", "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"), ("ETH", "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"),
                   ("TRX", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre")]},
]


# --- Israel NBCTF: the Delivery API's item shape ---------------------------------------------

NBCTF_START = {"id": "13caeacc-aa52-4cce-9403-8e9c7b1fec81", "path": "home"}
_NS_UUID = __import__("uuid").UUID("6f1c2b52-7c0e-4d4e-9a55-2c9f8f7b6a10")


def nbctf_id(*parts) -> str:
    return str(__import__("uuid").uuid5(_NS_UUID, "|".join(map(str, parts))))


def nbctf_item(content_type: str, item_id: str, name: str, properties: dict,
               updated: str = "2026-08-03T11:17:46.373Z") -> dict:
    return {"contentType": content_type, "name": name, "createDate": updated, "updateDate": updated,
            "route": {"path": f"/{content_type}/{name}/", "queryString": None, "startItem": NBCTF_START},
            "id": item_id, "properties": properties, "cultures": {}}


def nbctf_picked(item: dict) -> dict:
    """An item as a content picker renders it inside another item: not expanded."""
    return {key: item[key] for key in ("contentType", "name", "createDate", "updateDate", "route", "id")} | {"properties": {}}


def nbctf_wallet(item_id: str, address: str, coin_type: str | None = None, operatives=(), organizations=()) -> dict:
    return nbctf_item("cryptocurrencyWallet", item_id, address, {
        "assetType": "Crypto Wallet", "description": None, "estimatedValue": None, "valueCurrency": None,
        "location": None, "seizureDate": None,
        "designatedOperatives": [{"id": i, "name": n} for i, n in operatives] or None,
        "designatedOrganizations": [{"id": i, "name": n} for i, n in organizations] or None,
        "nonDesignatedOperatives": None, "nonDesignatedOrganizations": None,
        "walletAddress": address, "coinType": coin_type, "network": None, "balance": None})


def nbctf_order(item_id: str, code: str, number: str, order_date: str | None, validity: str | None,
                wallets: list[dict], hidden: bool = False, canceled: bool = False, document: str | None = None,
                previous: list[dict] = ()) -> dict:
    kind = {"ASO": "ASO (Seizure)", "FO": "FO (Forfeiture)"}[code]
    return nbctf_item("seizureAndForfeitureOrder", item_id, f"{code} {number}", {
        "orderNumber": number, "orderType": kind,
        "orderDate": f"{order_date or '0001-01-01'}T00:00:00Z", "validityDate": f"{validity or '9999-09-09'}T00:00:00Z",
        "isHidden": hidden, "isCanceled": canceled, "isCorrectionVersion": False,
        "orderDocuments": [{"url": document}] if document else [],
        "previousSeizureOrders": [nbctf_picked(p) for p in previous],
        "assets": [nbctf_picked(w) for w in wallets]})


def nbctf_designation(content_type: str, item_id: str, name: str, status: str = "Active") -> dict:
    return nbctf_item(content_type, item_id, name, {"status": status, "designationDate": "2024-01-01T00:00:00Z"})


def nbctf_from_seizure_table(rows: list[dict]) -> dict[str, list[dict]]:
    """The curated seizure table (one row per wallet or account) in the API's shape."""
    orders: dict[str, dict] = {}
    wallets, people = [], {}
    for index, row in enumerate(rows):
        holder_kind = {"Person": "operative", "LegalEntity": "organization"}.get(row["schema"])
        holders = []
        if holder_kind and row["name"]:
            holder_id = nbctf_id(holder_kind, row["name"])
            people[holder_id] = nbctf_designation(holder_kind, holder_id, row["name"])
            holders = [(holder_id, row["name"])]
        address = row["wallet_address"] or row["account_id"]
        coin = row["currency"] if row["wallet_address"] else f"חשבון {row['platform']}".strip()
        wallet = nbctf_wallet(nbctf_id("wallet", index), address, coin or None,
                              operatives=holders if holder_kind == "operative" else (),
                              organizations=holders if holder_kind == "organization" else ())
        wallets.append(wallet)
        order = orders.setdefault(row["order_id"], {"row": row, "wallets": []})
        order["wallets"].append(wallet)
    order_items = []
    for order_id, order in orders.items():
        code, number = order_id.split(" ", 1)
        row = order["row"]
        order_items.append(nbctf_order(nbctf_id("order", order_id), code, number, row["start_date"] or None,
                                       row["end_date"] or None, order["wallets"], document=row["order_url"]))
    return {"seizureAndForfeitureOrder": order_items, "cryptocurrencyWallet": wallets,
            "operative": [p for p in people.values() if p["contentType"] == "operative"],
            "organization": [p for p in people.values() if p["contentType"] == "organization"]}


def nbctf_sample() -> dict[str, list[dict]]:
    """A small replay of the NBCTF API built from published orders (public facts)."""
    bayari = (nbctf_id("operative", "TAWFIQ MOHAMMAD TAWFIQ BAYARI"), "TAWFIQ MOHAMMAD TAWFIQ BAYARI")
    w = {
        "t1": nbctf_wallet(nbctf_id("w", 1), "TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY"),
        "t2": nbctf_wallet(nbctf_id("w", 2), "TGtpnHgW8gcfzRj1NEkLXR9AbN8WWLdJ2p"),
        "t3": nbctf_wallet(nbctf_id("w", 3), "TP834zaucGKtAVjJPc9QQQkz5ses87KEf8"),
        "fo1": nbctf_wallet(nbctf_id("w", 4), "TSoQQCZ3DrZ1us6RcHGHd9UXp6bM6PukNQ"),
        "acc1": nbctf_wallet(nbctf_id("w", 5), "35561732", "חשבון Binance"),
        "evm": nbctf_wallet(nbctf_id("w", 6), "0x21B8d56BDA776bbE68655A16895afd96F5534feD"),
        "lookalike": nbctf_wallet(nbctf_id("w", 7), "TН96tFMn8KGiYSLiwсV3E2UiaJc8jmcbz3"),
        "ofac": nbctf_wallet(nbctf_id("w", 8), "0x175d44451403edf28469df03a9280c1197adb92c", "USDT"),
        "pair": nbctf_wallet(nbctf_id("w", 9), "0xc8fe1c81e927540fcc99ebb3c880a840082293da, TR2nTb64cQMx6tqFwisoC6o7barFWHhPiw"),
        "bayari": nbctf_wallet(nbctf_id("w", 10), "962788680555", "חשבון Binance", operatives=[bayari]),
        "old": nbctf_wallet(nbctf_id("w", 11), "TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ"),
    }
    base = "https://nbctf.mod.gov.il/he/Announcements/Documents/"
    orders = [
        nbctf_order(nbctf_id("o", 1), "ASO", "06/26", "2026-02-16", "2028-02-16", [w["t1"], w["t2"], w["t3"]],
                    document=base + "צת%2006-26.pdf"),
        nbctf_order(nbctf_id("o", 2), "FO", "50/25", "2025-10-23", "2028-04-05", [w["fo1"]]),
        nbctf_order(nbctf_id("o", 3), "FO", "02/24", "2024-01-21", "2026-07-31",
                    [w["acc1"], w["evm"], w["lookalike"], w["ofac"]]),
        nbctf_order(nbctf_id("o", 4), "FO", "19/23", "2023-04-21", "2026-12-09", [w["pair"], w["bayari"]]),
        nbctf_order(nbctf_id("o", 5), "ASO", "18/24", "2024-12-24", "2026-11-30", [w["old"]]),
    ]
    return {"seizureAndForfeitureOrder": orders, "cryptocurrencyWallet": list(w.values()),
            "operative": [nbctf_designation("operative", *bayari)], "organization": []}
