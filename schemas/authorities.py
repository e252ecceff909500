"""Who publishes each list and what its programme codes mean: kept once here. Spiders declare
their authority from `AUTHORITIES`; the published listings carry the authority's name and an
English title for each programme beside the official value, which files keep as published.

A title is given only where it is known: a code or name not in these tables has no title (it is
never guessed), and the programme test lists every one a real list or the samples use."""

from __future__ import annotations

import re
from typing import NamedTuple


class Authority(NamedTuple):
    name: str
    """The authority's name as an analyst knows it."""
    country: str
    """ISO 3166-1 alpha-2, lower case (`eu` for the European Union)."""
    language: str
    """The language its lists are written in (BCP 47), for reasons and programme names."""
    topic: str = "sanction"
    """What a listing means, as a FollowTheMoney topic: `sanction`, `asset.frozen` for a
    seizure order, `crime.cyber` for a law-enforcement notice naming a thief's addresses."""


AUTHORITIES: dict[str, Authority] = {
    "ofac_sdn": Authority("US Treasury OFAC", "us", "en"),
    "ofac_sdn_legacy": Authority("US Treasury OFAC", "us", "en"),
    "eu_fsf": Authority("European Union (DG FISMA)", "eu", "en"),
    "gb_fcdo": Authority("UK Foreign, Commonwealth and Development Office", "gb", "en"),
    "fr_tresor": Authority("France DG Trésor", "fr", "fr"),
    "jp_mof": Authority("Japan Ministry of Finance", "jp", "ja"),
    "il_nbctf": Authority("Israel NBCTF (Ministry of Defense)", "il", "he", "asset.frozen"),
    "us_fbi": Authority("US FBI / IC3", "us", "en", "crime.cyber"),
}


def authority_name(source: str) -> str:
    """The authority behind a source, or the source's own code for one not in the table."""
    known = AUTHORITIES.get(source)
    return known.name if known else source


OFAC_PROGRAMS: dict[str, str] = {
    "BALKANS": "Western Balkans stabilization (EO 13219, EO 13304)",
    "BALKANS-EO14033": "Western Balkans (EO 14033)",
    "BELARUS": "Belarus (EO 13405)",
    "BELARUS-EO14038": "Belarus (EO 14038)",
    "BPI-RUSSIA-EO14024": "Russia harmful foreign activities: blocking pending investigation (EO 14024)",
    "BURMA-EO14014": "Burma (EO 14014)",
    "CAATSA - IRAN": "Countering America's Adversaries Through Sanctions Act: Iran",
    "CAATSA - RUSSIA": "Countering America's Adversaries Through Sanctions Act: Russia",
    "CAR": "Central African Republic (EO 13667)",
    "CUBA": "Cuban Assets Control Regulations",
    "CYBER": "Malicious cyber-enabled activities (EO 13694)",
    "CYBER2": "Malicious cyber-enabled activities (EO 13694 as amended by EO 13757)",
    "CYBER3": "Malicious cyber-enabled activities (EO 13694 as amended by EO 14144)",
    "CYBER4": "Malicious cyber-enabled activities (EO 13694 as amended by EO 14144 and EO 14306)",
    "DARFUR": "Darfur (EO 13400)",
    "DPRK": "North Korea (EO 13382, EO 13466 and related)",
    "DPRK-NKSPEA": "North Korea Sanctions and Policy Enhancement Act",
    "DPRK2": "North Korea (EO 13687)",
    "DPRK3": "North Korea (EO 13722)",
    "DPRK4": "North Korea (EO 13810)",
    "DRCONGO": "Democratic Republic of the Congo (EO 13413, EO 13671)",
    "ELECTION-EO13848": "Foreign interference in a United States election (EO 13848)",
    "ETHIOPIA-EO14046": "Ethiopia (EO 14046)",
    "FTO": "Foreign Terrorist Organization (Immigration and Nationality Act s. 219)",
    "GLOMAG": "Global Magnitsky: human rights abuse and corruption (EO 13818)",
    "HIFPAA": "Hizballah International Financing Prevention Amendments Act",
    "HK-EO13936": "Hong Kong normalization (EO 13936)",
    "HOSTAGES-EO14078": "Hostage-taking and wrongful detention of US nationals (EO 14078)",
    "HRIT-IR": "Human rights abuses via information technology: Iran (EO 13606)",
    "HRIT-SY": "Human rights abuses via information technology: Syria (EO 13606)",
    "IFCA": "Iran Freedom and Counter-Proliferation Act",
    "IFSR": "Iranian Financial Sanctions Regulations",
    "ILLICIT-DRUGS-EO14059": "International illicit drug trade (EO 14059)",
    "IRAN": "Iranian Transactions and Sanctions Regulations",
    "IRAN-CON-ARMS-EO": "Iran conventional arms (EO 13949)",
    "IRAN-EO13846": "Iran (EO 13846)",
    "IRAN-EO13871": "Iran: iron, steel, aluminum and copper sectors (EO 13871)",
    "IRAN-EO13876": "Iran: Supreme Leader's office (EO 13876)",
    "IRAN-EO13902": "Iran: further sectors of the economy (EO 13902)",
    "IRAN-HR": "Iran human rights abuses (EO 13553)",
    "IRAN-TRA": "Iran Threat Reduction and Syria Human Rights Act",
    "IRAQ2": "Iraq (EO 13315)",
    "IRAQ3": "Iraq stabilization (EO 13438)",
    "IRGC": "Islamic Revolutionary Guard Corps (Iranian Financial Sanctions Regulations)",
    "ISA": "Iran Sanctions Act",
    "LEBANON": "Lebanon (EO 13441)",
    "LIBYA2": "Libya (EO 13566)",
    "LIBYA3": "Libya (EO 13726)",
    "MAGNIT": "Sergei Magnitsky Rule of Law Accountability Act",
    "MALI-EO13882": "Mali (EO 13882)",
    "NICARAGUA": "Nicaragua (EO 13851)",
    "NICARAGUA-NHRAA": "Nicaragua Human Rights and Anticorruption Act",
    "NPWMD": "Weapons of mass destruction proliferators and their supporters (EO 13382)",
    "NS-PLC": "Non-SDN Palestinian Legislative Council list",
    "PEESA-EO14039": "Protecting Europe's Energy Security Act (EO 14039)",
    "RUSSIA-EO14024": "Russia harmful foreign activities (EO 14024)",
    "RUSSIA-EO14065": "Russia: occupied regions of Ukraine (EO 14065)",
    "SDGT": "Specially Designated Global Terrorist (EO 13224)",
    "SDNT": "Specially Designated Narcotics Trafficker (EO 12978)",
    "SDNTK": "Foreign Narcotics Kingpin Designation Act",
    "SOMALIA": "Somalia (EO 13536)",
    "SOUTH SUDAN": "South Sudan (EO 13664)",
    "SSIDES": "Sectoral sanctions: Syria",
    "SUDAN-EO14098": "Sudan (EO 14098)",
    "SYRIA": "Syria (EO 13338 and related)",
    "SYRIA-CAESAR": "Caesar Syria Civilian Protection Act",
    "SYRIA-EO13894": "Syria: offensive in northeast Syria (EO 13894)",
    "TCO": "Transnational criminal organizations (EO 13581)",
    "UHRPA": "Uyghur Human Rights Policy Act",
    "UKRAINE-EO13660": "Ukraine (EO 13660)",
    "UKRAINE-EO13661": "Ukraine: Russian government officials and arms sector (EO 13661)",
    "UKRAINE-EO13662": "Ukraine: sectors of the Russian economy (EO 13662)",
    "UKRAINE-EO13685": "Crimea region of Ukraine (EO 13685)",
    "VENEZUELA": "Venezuela (EO 13692)",
    "VENEZUELA-EO13850": "Venezuela (EO 13850)",
    "VENEZUELA-EO13884": "Venezuela: government of Venezuela (EO 13884)",
    "WEST-BANK-EO14115": "West Bank peace and stability (EO 14115)",
    "YEMEN": "Yemen (EO 13611)",
}
"""OFAC's programme tags, by the definitions OFAC publishes with the SDN list."""

EU_REGIMES: dict[str, str] = {
    "AFG": "Afghanistan (Taliban)", "BDI": "Burundi", "BLR": "Belarus", "CAF": "Central African Republic",
    "CHEM": "Chemical weapons", "COD": "Democratic Republic of the Congo", "CYB": "Cyber-attacks",
    "EGY": "Egypt (misappropriation of funds)", "GIN": "Guinea", "GNB": "Guinea-Bissau", "GTM": "Guatemala",
    "HR": "Serious human rights violations and abuses", "HTI": "Haiti", "IRN": "Iran (nuclear proliferation)",
    "IRQ": "Iraq", "LBN": "Lebanon", "LBY": "Libya", "MDA": "Moldova (destabilising actions)", "MLI": "Mali",
    "MMR": "Myanmar (Burma)", "NIC": "Nicaragua", "PRK": "North Korea (DPRK)", "RUS": "Russia (actions undermining Ukraine)",
    "RUSDA": "Russia (destabilising activities)", "RUSHRV": "Russia (human rights violations)",
    "SDN": "Sudan", "SOM": "Somalia", "SSD": "South Sudan", "SYR": "Syria", "TAQA": "ISIL (Da'esh) and Al-Qaida",
    "TERR": "Terrorist groups (Common Position 2001/931/CFSP)", "TUN": "Tunisia (misappropriation of funds)",
    "UKR": "Ukraine (territorial integrity)", "VEN": "Venezuela", "YEM": "Yemen", "ZWE": "Zimbabwe",
    "IRNHR": "Iran (human rights)", "IRNDA": "Iran (drones and missiles; support to Russia)",
    "HAMAS": "Hamas and Palestinian Islamic Jihad",
}
"""The EU's regime codes in the Financial Sanctions Files (`regulation/@programme`)."""

NBCTF_ORDERS: dict[str, str] = {
    "ASO": "Administrative seizure order (Counter-Terrorism Law, Minister of Defense)",
    "FO": "Forfeiture order (Counter-Terrorism Law)",
    "צ.ת": "Administrative seizure order (Counter-Terrorism Law, Minister of Defense)",
    "wallet (no order)": "Wallet published without an order",
}
"""Israel's order types, by their code (`ASO (Seizure)` -> ASO; the Hebrew `צ.ת 18/26 ...`)."""

JP_WORDS: dict[str, str] = {
    "ミロシェビッチ前ユーゴ大統領関係者": "Associates of former Yugoslav President Milošević",
    "タリバーン関係者等": "Taliban and associates", "テロリスト等": "Terrorists and others",
    "イラク前政権関係者等": "Former Iraqi regime and associates", "リベリア": "Liberia",
    "コンゴ民主共和国": "Democratic Republic of the Congo", "コートジボワール": "Côte d'Ivoire",
    "南スーダン": "South Sudan", "スーダン": "Sudan", "北朝鮮": "North Korea", "イラン": "Iran",
    "ソマリア": "Somalia", "リビア": "Libya", "シリア": "Syria", "クリミア等": "Crimea and others",
    "ロシア及びベラルーシ以外": "Other than Russia and Belarus", "ロシア連邦": "Russian Federation",
    "ベラルーシ": "Belarus", "中央アフリカ共和国": "Central African Republic", "イエメン共和国": "Yemen",
    "マリ共和国": "Mali", "ハイチ共和国": "Haiti", "イスラエル": "Israel",
    "特定銀行を除く": "excluding specified banks", "特定銀行": "specified banks",
    "協調": "measures in coordination with other countries", "決議": "UN Security Council resolution ",
    "号等": " and others", "号": "", "個人": "individuals", "団体": "entities", "解除": "lifted",
}
"""The words of Japan's regime names (its workbook's sheet titles), longest first when read."""
_JP_ORDER = sorted(JP_WORDS, key=len, reverse=True)
_JP_PUNCTUATION = str.maketrans({"(": " (", "（": " (", ")": ")", "）": ")", "；": "; ", ";": "; ", "【": "[", "】": "] ",
                                 "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III"})
_LEFT_UNTRANSLATED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

_FR_MONTHS = {"janvier": "January", "février": "February", "mars": "March", "avril": "April", "mai": "May",
              "juin": "June", "juillet": "July", "août": "August", "septembre": "September", "octobre": "October",
              "novembre": "November", "décembre": "December"}
_FR_REGULATION = re.compile(r"Règlement (d'exécution )?\(UE\) n° ?([\d/]+) du Conseil du (\d+)(?:er)? (\w+) (\d{4})")


def _japanese(value: str) -> str | None:
    text = value.translate(_JP_PUNCTUATION)
    for word in _JP_ORDER:
        text = text.replace(word, JP_WORDS[word])
    text = re.sub(r"\s+", " ", text).replace("( ", "(").replace(" )", ")").strip()
    return None if _LEFT_UNTRANSLATED.search(text) else text


def _french(value: str) -> str | None:
    match = _FR_REGULATION.fullmatch(value.strip())
    if match is None or match.group(4).lower() not in _FR_MONTHS:
        return None
    kind = "Council Implementing Regulation" if match.group(1) else "Council Regulation"
    return f"{kind} (EU) No {match.group(2)} of {match.group(3)} {_FR_MONTHS[match.group(4).lower()]} {match.group(5)}"


def program_title(source: str, value: str) -> str | None:
    """The English title of a programme as a source writes it, or None where none is known.
    Values already in English (UK regimes, EU regulations, FBI notices) are their own title."""
    if source.startswith("ofac_sdn"):
        return OFAC_PROGRAMS.get(value.strip())
    if source == "eu_fsf":
        return EU_REGIMES.get(value) or (value if value.startswith("Regulation ") else None)
    if source == "jp_mof":
        return _japanese(value)
    if source == "il_nbctf":
        return NBCTF_ORDERS.get(value) or NBCTF_ORDERS.get(value.split("(")[0].strip()) \
            or NBCTF_ORDERS.get(value.split(" ")[0])
    if source == "fr_tresor":
        return _french(value)
    if source in ("gb_fcdo", "us_fbi"):
        return value
    return None
