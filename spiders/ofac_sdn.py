"""US OFAC SDN list, advanced XML (SDN_ADVANCED.XML, or the ZIP that holds it).

Streams the file with `lxml.etree.iterparse`, clearing each element once read, so memory does not
grow with the 100+ MB file. Element names are matched by local name: the namespace changed in
May 2024. Digital-currency feature types are found by name prefix, so a new code shows up.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from lxml import etree

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework import settings
from .framework.base import rejected_item
from .framework.download import Document
from .framework.onefile import OneFileSpider
from .framework.xml import local_name, stream_elements

FEATURE_PREFIX = "Digital Currency Address - "
LAST_NAME = "Last Name"  # the name part written first, before a comma ("LAST, First Middle")
MAX_XML_BYTES = 2 * 1024**3  # ZIP guard: a real SDN_ADVANCED.XML is ~120 MB
MAX_ZIP_RATIO = 200


@dataclass
class Party:
    fixed_ref: str
    name: str | None = None
    party_type: str | None = None
    addresses: list[tuple[str, str]] = field(default_factory=list)
    programs: set[str] = field(default_factory=set)
    listed_on: date | None = None


@dataclass
class ParsedList:
    date_of_issue: date | None
    parties: list[Party]
    rejected: list[tuple[str, str, str]]
    """(fixed ref, reason, raw text) of address features we could not read."""
    codes: set[str]


def _children(elem, name):
    """Children by local name, in any namespace (filtered by lxml in C)."""
    return elem.iterchildren(f"{{*}}{name}")


def _child(elem, name):
    return next(_children(elem, name), None)


def _date(elem) -> date | None:
    if elem is None:
        return None
    parts = {local_name(c.tag): (c.text or "").strip() for c in elem}
    try:
        return date(int(parts["Year"]), int(parts["Month"]), int(parts["Day"]))
    except (KeyError, ValueError):
        return None


def open_xml(document: Document) -> IO[bytes] | io.RawIOBase:
    """The XML stream of a raw download: the bare XML, or the one XML member of a ZIP."""
    head = document.head(4096)
    if not head.strip():
        raise ValueError("the file is empty")
    if head[:4] != b"PK\x03\x04":
        return document.open()
    raw = document.open()
    try:
        return _member(zipfile.ZipFile(raw), raw)
    except zipfile.BadZipFile as exc:
        raw.close()
        raise ValueError(f"not a readable ZIP ({exc})") from None
    except BaseException:
        raw.close()
        raise


def _member(archive: zipfile.ZipFile, raw) -> _Inflated:
    """The one XML member of a ZIP, refused if it would unpack too far."""
    members = [m for m in archive.infolist() if m.filename.lower().endswith(".xml")]
    if len(members) != 1:
        raise ValueError(f"the ZIP holds {len(members)} .xml files, expected exactly one")
    member = members[0]
    limit = min(MAX_XML_BYTES, MAX_ZIP_RATIO * max(member.compress_size, 1))
    if member.file_size > limit:
        raise ValueError(f"{member.filename} would unpack to {member.file_size} bytes: refused")
    return _Inflated(archive.open(member), member.filename, limit, raw)


class _Inflated(io.RawIOBase):
    """A ZIP member read with its inflated bytes counted: the header's size may lie."""

    def __init__(self, member, name: str, limit: int, file):
        self.member, self.name, self.limit, self.count, self.file = member, name, limit, 0, file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.member.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise ValueError(f"{self.name} unpacks to more than {self.limit} bytes: refused")
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.member.close()
        self.file.close()  # the ZIP's own file: ZipFile leaves a file it was given open
        super().close()


def _ignore(_elem) -> None:
    return None


class _Reader:
    """One pass over the XML; keeps only reference tables and the parties that hold addresses.

    Reference values (feature, party, name part and sanctions types) are resolved by their names
    in the file's own ReferenceValueSets, never by today's numeric IDs."""

    def __init__(self) -> None:
        self.feature_codes: dict[str, str] = {}
        self.name_part_types: dict[str, str] = {}
        self.party_types: dict[str, str] = {}
        self.subtypes: dict[str, tuple[str, str]] = {}
        self.program_type_ids: set[str] = set()
        self.parties: dict[str, Party] = {}
        self.rejected: list[tuple[str, str, str]] = []
        self.date_of_issue: date | None = None

    def read(self, stream) -> ParsedList:
        handlers = {
            "DateOfIssue": self._date_of_issue, "FeatureType": self._feature_type,
            "NamePartType": self._name_part_type, "PartyType": self._party_type, "PartySubType": self._party_subtype,
            "SanctionsType": self._sanctions_type, "DistinctParty": self._distinct_party,
            "SanctionsEntry": self._sanctions_entry,
        }
        # Elements whose subtrees are dropped once closed.
        disposable = list(handlers) + ["Location", "IDRegDocument", "ProfileRelationship"]
        for name, elem in stream_elements(stream, disposable, root="Sanctions"):
            handlers.get(name, _ignore)(elem)
        if self.date_of_issue is None:
            raise ValueError("no DateOfIssue: not a complete OFAC advanced XML")
        codes = set(self.feature_codes.values())
        parties = [p for p in self.parties.values() if p.addresses]
        return ParsedList(self.date_of_issue, parties, self.rejected, codes)

    def _date_of_issue(self, elem):
        self.date_of_issue = _date(elem)

    def _feature_type(self, elem):
        text = (elem.text or "").strip()
        if text.startswith(FEATURE_PREFIX):
            self.feature_codes[elem.get("ID")] = text[len(FEATURE_PREFIX):].strip()

    def _name_part_type(self, elem):
        self.name_part_types[elem.get("ID")] = (elem.text or "").strip()

    def _party_type(self, elem):
        self.party_types[elem.get("ID")] = (elem.text or "").strip()

    def _party_subtype(self, elem):
        self.subtypes[elem.get("ID")] = ((elem.text or "").strip(), elem.get("PartyTypeID"))

    def _sanctions_type(self, elem):
        if (elem.text or "").strip() == "Program":
            self.program_type_ids.add(elem.get("ID"))

    def _distinct_party(self, elem):
        fixed_ref = elem.get("FixedRef")
        for profile in _children(elem, "Profile"):
            party = Party(fixed_ref=fixed_ref)
            for feature in _children(profile, "Feature"):
                code = self.feature_codes.get(feature.get("FeatureTypeID"))
                if code is None:
                    continue
                for version in _children(feature, "FeatureVersion"):
                    detail = _child(version, "VersionDetail")
                    text = (detail.text or "").strip() if detail is not None else ""
                    if text:
                        party.addresses.append((code, text))
                    else:
                        self.rejected.append((fixed_ref, f"{FEATURE_PREFIX}{code} without a value",
                                              etree.tostring(version, encoding="unicode")[:500]))
            if party.addresses:
                party.name = self._primary_name(profile)
                party.party_type = self._party_type_name(profile.get("PartySubTypeID"))
                self.parties[profile.get("ID")] = party

    def _primary_name(self, profile) -> str | None:
        for identity in _children(profile, "Identity"):
            groups = {
                group.get("ID"): self.name_part_types.get(group.get("NamePartTypeID"))
                for group in identity.iter("{*}NamePartGroup")
            }
            for alias in _children(identity, "Alias"):
                if alias.get("Primary") != "true":
                    continue
                for name in _children(alias, "DocumentedName"):
                    parts = [(groups.get(v.get("NamePartGroupID")), (v.text or "").strip())
                             for part in _children(name, "DocumentedNamePart")
                             for v in _children(part, "NamePartValue")]
                    last = [t for kind, t in parts if kind == LAST_NAME]
                    rest = [t for kind, t in parts if kind != LAST_NAME]
                    if last and rest:
                        return f"{' '.join(last)}, {' '.join(rest)}"
                    return " ".join(t for _, t in parts) or None
        return None

    def _party_type_name(self, subtype_id) -> str | None:
        subtype, type_id = self.subtypes.get(subtype_id, (None, None))
        if subtype and subtype != "Unknown":
            return subtype.lower()
        name = self.party_types.get(type_id) if type_id else None
        return name.lower() if name else None

    def _sanctions_entry(self, elem):
        party = self.parties.get(elem.get("ProfileID"))
        if party is None:
            return
        for event in _children(elem, "EntryEvent"):
            when = _date(_child(event, "Date"))
            if when and (party.listed_on is None or when < party.listed_on):
                party.listed_on = when
        for measure in _children(elem, "SanctionsMeasure"):
            if measure.get("SanctionsTypeID") in self.program_type_ids:
                comment = _child(measure, "Comment")
                if comment is not None and (comment.text or "").strip():
                    party.programs.add(comment.text.strip())


def parse_sdn_advanced(stream) -> ParsedList:
    """Parse an SDN advanced XML stream. Raises ValueError on anything but a complete list."""
    try:
        return _Reader().read(stream)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"the ZIP is damaged ({exc})") from None


SERVICE_PATH = "/api/PublicationPreview/exports/"
SDN_URL = f"https://sanctionslistservice.ofac.treas.gov{SERVICE_PATH}SDN_ADVANCED.ZIP"
RECORD_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"


class OfacSdnSpider(OneFileSpider):
    name = "ofac_sdn"
    sample = "ofac_sdn.xml"
    meta = SourceMeta(authority=AUTHORITIES["ofac_sdn"].name, title="Specially Designated Nationals (advanced XML)",
                      url=SDN_URL, schedule="*/5 * * * *",
                      # 644 listings on 2024-09-27, growing; a broken file gives far fewer.
                      expected_min=400, expected_max=5_000, sample_min=10, sample_max=100)
    max_bytes = settings.DOWNLOAD_MAXSIZE

    def signal_url(self, url: str) -> str | None:
        """The service's list of this year's publications: a few kilobytes, where the export has
        no usable ETag (its 302 goes to a signed URL that differs on every request)."""
        if SERVICE_PATH not in url:
            return None
        return f"{url.split(SERVICE_PATH)[0]}/changes/history/{self.fetched_at.year}"

    def read_signal(self, document: Document) -> str | None:
        """The newest publication (`[{"publicationID", "datePublished"}, ...]`); None in a year
        with none yet (then the file is fetched and hashed)."""
        publications = json.loads(document.read())
        if not isinstance(publications, list) or not all(isinstance(p, dict) and "publicationID" in p
                                                          for p in publications):
            raise ValueError('expected [{"publicationID", "datePublished"}, ...]')
        if not publications:
            return None
        newest = max(publications, key=lambda p: (str(p.get("datePublished")), str(p["publicationID"])))
        return f"publication {newest['publicationID']} of {newest.get('datePublished')}"

    def parse_file(self, document: Document, url: str):
        """Every address of the list (the XML, or its ZIP), its rejected features, then the snapshot."""
        try:
            with open_xml(document) as stream:
                parsed = parse_sdn_advanced(stream)
        except ValueError as exc:
            raise self.fail(url, str(exc)) from None
        count = 0
        for party in parsed.parties:
            for code, text in party.addresses:
                count += 1
                yield {"listing": self.parse_row(party, code, text).model_dump(mode="json")}
        for fixed_ref, reason, raw in parsed.rejected:
            count += 1
            yield rejected_item(self.name, fixed_ref, reason, raw)
        yield self.snapshot(url, parsed.date_of_issue, count)

    def parse_row(self, party: Party, code: str, text: str) -> RawListing:
        return RawListing(
            source=self.name, source_record_id=party.fixed_ref, raw_address=text, raw_label=code,
            holder=Holder(name=party.name, type=party.party_type), programs=sorted(party.programs),
            listed_on=party.listed_on, source_url=RECORD_URL.format(party.fixed_ref),
        )
