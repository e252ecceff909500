"""EU Financial Sanctions Files (FSF): the full consolidated list as XML.

The EU names crypto addresses only in free text: `<remark>` elements under the entry, its
`nameAlias`, `address` or `identification` (Garantex and Grinex, under Regulation 269/2014 and
its amendments). Every remark of an entry goes to the normalize step as prose; the addresses
are taken out of it there. The file is streamed entry by entry. Local replay: the XML file.

Record id: `euReferenceNumber` (the entry's `logicalId` where it has none). Programs: each
regulation's programme code and number. Listed on: `designationDate`, else the earliest
regulation's publication date. Link: the Official Journal publication of the first regulation.
"""

from __future__ import annotations

from datetime import date

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.download import Document
from .framework.onefile import OneFileSpider
from .framework.xml import local_name, stream_elements

URL = "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw"
CONTENT_PATH, CHECKSUM_PATH = "/xmlFullSanctionsList_1_1/content", "/xmlFullSanctionsList_1_1/checksum"
SUBJECT_TYPES = {"person": "individual", "enterprise": "entity"}
# Children of <sanctionEntity> this parser knows; another one is reported (the format changed).
KNOWN_CHILDREN = {"regulation", "subjectType", "nameAlias", "citizenship", "birthdate", "address",
                  "identification", "remark"}
# Attributes that can carry free text besides remarks.
PROSE_ATTRIBUTES = ("function", "designationDetails")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


class EuFsfSpider(OneFileSpider):
    name = "eu_fsf"
    sample = "eu_fsf.xml"
    meta = SourceMeta(authority=AUTHORITIES["eu_fsf"].name, title="Financial Sanctions Files (consolidated list)",
                      url=URL, schedule="2-59/20 * * * *",
                      # 9 addresses in Sept 2026 (Garantex, Grinex); a file that loses them all is broken.
                      expected_min=5, expected_max=2_000, sample_min=5, sample_max=100)

    def signal_url(self, url: str) -> str | None:
        """The checksum the EU serves beside the file (the same token)."""
        head, found, tail = url.partition(CONTENT_PATH)
        return f"{head}{CHECKSUM_PATH}{tail}" if found else None

    def parse_file(self, document: Document, url: str):
        listings, generated, entries = [], None, 0
        try:
            with document.open() as stream:
                for _, entity in stream_elements(stream, ["sanctionEntity"], root="export"):
                    if generated is None:
                        generated = entity.getroottree().getroot().get("generationDate")
                    entries += 1
                    listings += self.parse_entity(entity)
        except ValueError as exc:
            raise self.fail(url, str(exc)) from None
        if not entries:
            raise self.fail(url, "no <sanctionEntity>: not a complete EU FSF file")
        try:
            as_of = _date(generated)
        except ValueError:
            as_of = None
        if as_of is None:
            raise self.fail(url, f"no readable generationDate on <export> ({generated!r}): not a complete EU FSF file")
        yield from listings
        yield self.snapshot(url, as_of, len(listings))

    def parse_entity(self, entity) -> list[dict]:
        """One listing per piece of free text the entry holds (most hold no address at all)."""
        record_id = entity.get("euReferenceNumber") or f"logicalId {entity.get('logicalId')}"
        unknown = {local_name(child.tag) for child in entity} - KNOWN_CHILDREN - {""}
        self.audit(f"entry {record_id}", {f"<{name}>": True for name in unknown})
        remarks = [" ".join(el.itertext()) for el in entity.iter("{*}remark")]
        texts = list(remarks) + [el.get(attr) for el in entity.iter() for attr in PROSE_ATTRIBUTES if el.get(attr)]
        texts = [t for t in dict.fromkeys(t.strip() for t in texts) if t]
        if not texts:
            return []
        regulations = list(entity.iterfind("{*}regulation"))
        programmes = sorted({r.get("programme") for r in regulations if r.get("programme")})
        acts = [f"Regulation {r.get('numberTitle')}" for r in regulations if r.get("numberTitle")]
        published = sorted((r.get("publicationDate"), (r.findtext("{*}publicationUrl") or "").strip())
                           for r in regulations if r.get("publicationDate"))
        try:
            listed_on = _date(entity.get("designationDate")) or (_date(published[0][0]) if published else None)
        except ValueError:  # the address is still listed: kept, without a date, and said
            self.logger.warning("entry %s: unreadable designation date %r", record_id, entity.get("designationDate"))
            listed_on = None
        link = next((u for _, u in published if u), None)
        subject = entity.find("{*}subjectType")
        kind = subject.get("code") if subject is not None else None
        holder = Holder(name=self._name(entity), type=SUBJECT_TYPES.get(kind or "", kind))
        return [{"listing": RawListing(
            source=self.name, source_record_id=record_id, raw_address=text, prose=True, holder=holder,
            programs=programmes + acts, listed_on=listed_on, source_url=link, reason=" / ".join(remarks) or None,
        ).model_dump(mode="json")} for text in texts]

    @staticmethod
    def _name(entity) -> str | None:
        """The first strong English name, else the first name of any language."""
        aliases = [a for a in entity.iterfind("{*}nameAlias") if (a.get("wholeName") or "").strip()]
        english = [a for a in aliases if a.get("strong") == "true" and a.get("nameLanguage") in ("EN", "")]
        chosen = (english or aliases or [None])[0]
        return chosen.get("wholeName").strip() if chosen is not None else None
