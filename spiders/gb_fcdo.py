"""UK Sanctions List (FCDO), XML: the single official UK list since 2026-01-28.

The UK names crypto addresses only in free text: `<OtherInformation>`, sometimes the statement of
reasons (Xinbi, Byex, EXMO, Garantex Europe, Gaza Now...). Both go to the normalize step as prose.
The file is streamed designation by designation. Dates are dd/mm/yyyy. Local replay: the XML file.

Record id: `UniqueID` (e.g. GHR0190). Programs: the regime's name. Listed on: `DateDesignated`.
Link: the designation's page on the UK Sanctions List search service.
"""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.base import rejected_item
from .framework.download import Document
from .framework.onefile import OneFileSpider
from .framework.xml import local_name, stream_elements

URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
RECORD_URL = "https://search-uk-sanctions-list.service.gov.uk/designations/{}/{}"
PROSE = ("OtherInformation", "UKStatementofReasons")
HOLDER_TYPES = {"individual": "individual", "entity": "entity", "ship": "vessel"}
KNOWN_CHILDREN = {"LastUpdated", "DateDesignated", "UniqueID", "OFSIGroupID", "UNReferenceNumber", "Names",
                  "NonLatinNames", "RegimeName", "IndividualEntityShip", "DesignationSource", "SanctionsImposed",
                  "SanctionsImposedIndicators", "OtherInformation", "UKStatementofReasons", "Addresses",
                  "PhoneNumbers", "EmailAddresses", "Websites", "IndividualDetails", "EntityDetails",
                  "ShipDetails", "Titles"}


def uk_date(value: str | None) -> date | None:
    """dd/mm/yyyy, as the UK list writes dates."""
    text = (value or "").strip()
    return datetime.strptime(text, "%d/%m/%Y").date() if text else None


class GbFcdoSpider(OneFileSpider):
    name = "gb_fcdo"
    sample = "gb_fcdo.xml"
    meta = SourceMeta(authority=AUTHORITIES["gb_fcdo"].name, title="UK Sanctions List",
                      url=URL, schedule="7-59/20 * * * *",
                      # 59 addresses in Oct 2026 over six designations.
                      expected_min=20, expected_max=5_000, sample_min=5, sample_max=200)

    signal_method = "HEAD"

    def signal_url(self, url: str) -> str | None:
        """The file itself, asked with HEAD: the server gives its Last-Modified."""
        return url if url.startswith(("http:", "https:")) else None

    def read_signal(self, document: Document) -> str | None:
        modified = document.headers.get("last-modified")
        return f"Last-Modified {modified}, {document.headers.get('content-length', '?')} bytes" if modified else None

    def parse_file(self, document: Document, url: str):
        listings, generated, designations = [], None, 0
        try:
            with document.open() as stream:
                for name, elem in stream_elements(stream, ["DateGenerated", "Designation"], root="Designations"):
                    if name == "DateGenerated":
                        generated = uk_date(elem.text)
                        continue
                    designations += 1
                    listings += self.parse_designation(elem)
        except ValueError as exc:  # malformed XML
            raise self.fail(url, str(exc)) from None
        if not designations:
            raise self.fail(url, "no <Designation>: not a complete UK Sanctions List")
        yield from listings
        yield self.snapshot(url, generated, len(listings))

    def parse_designation(self, designation) -> list[dict]:
        fields = {local_name(child.tag): child for child in designation}
        text = {name: "".join(child.itertext()).strip() for name, child in fields.items()}
        unique_id = text.get("UniqueID", "")
        if not unique_id:
            return [rejected_item(self.name, None, "a designation without a UniqueID",
                                  etree.tostring(designation, encoding="unicode"))]
        unknown = set(fields) - KNOWN_CHILDREN - {""}
        self.audit(f"designation {unique_id}", {f"<{name}>": True for name in unknown})
        texts = [text[name] for name in PROSE if text.get(name)]
        if not texts:
            return []
        kind, regime = text.get("IndividualEntityShip", ""), text.get("RegimeName", "")
        try:
            designated = uk_date(text.get("DateDesignated"))
        except ValueError:  # the address is still listed: kept, without a date, and said
            self.logger.warning("designation %s: unreadable DateDesignated %r", unique_id, text.get("DateDesignated"))
            designated = None
        holder = Holder(name=self._name(designation), type=HOLDER_TYPES.get(kind.lower(), kind.lower() or None))
        return [{"listing": RawListing(
            source=self.name, source_record_id=unique_id, raw_address=prose, prose=True, holder=holder,
            programs=[regime] if regime else [], listed_on=designated, reason=text.get("UKStatementofReasons"),
            source_url=RECORD_URL.format(unique_id, kind or "Entity"),
        ).model_dump(mode="json")} for prose in texts]

    @staticmethod
    def _name(designation) -> str | None:
        """The primary name: Name1..Name6 in order (forenames, then surname or the entity's name)."""
        names = list(designation.iterfind("{*}Names/{*}Name"))
        primary = [n for n in names if (n.findtext("{*}NameType") or "").strip() == "Primary Name"] or names
        if not primary:
            return None
        parts = [(primary[0].findtext(f"{{*}}Name{i}") or "").strip() for i in range(1, 7)]
        return " ".join(p for p in parts if p) or None
