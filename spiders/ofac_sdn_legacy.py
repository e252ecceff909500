"""US OFAC SDN list, legacy CSV: `sdn.csv` joined with `sdn_comments.csv` on ent_num.

The two files are one list: a run that cannot read `sdn_comments.csv` fails (and keeps the last
good data) instead of publishing the removal of what the comments hold. An archived `sdn.csv`
without its comments replays only when named as the file itself (`--source NAME=PATH/sdn.csv`).

`sdn.csv` cuts Remarks at 1000 characters and `sdn_comments.csv` holds the rest. The raw cells are
joined before anything is stripped (a cut can fall on a space). A 1000-character remark with no
continuation row is cut: its last clause is marked truncated (never published as valid) unless a
`;` closes it, and a mention cut before its address is a rejected record.
"""

from __future__ import annotations

import csv
import io
import re

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, Rejected, SourceMeta

from .framework.spider import SanctionsSpider
from .ofac_sdn import SERVICE_PATH

SDN_COLUMNS = ["ent_num", "name", "type", "programs", "title", "call_sign", "vessel_type",
               "tonnage", "grt", "vessel_flag", "vessel_owner", "remarks"]
REMARKS_CUT = 1000
NULL = "-0-"
_ADDRESS = re.compile(r"^(?:alt\.\s+)?Digital Currency Address - ([A-Za-z0-9]+)\s+(.+?)\.?$")
_MENTION = re.compile(r"Digital Currency Address", re.I)
_MENTION_PREFIX = "Digital Currency Address - "
RECORD_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"


def _cell(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value == NULL else value


def read_rows(body: bytes, columns: int) -> list[list[str]]:
    """Rows of a legacy OFAC CSV (no header, cp1252, a trailing ^Z on old files; a UTF-8 byte order
    mark, which a re-saved file may carry, is not part of the first record id)."""
    text = body.removeprefix(b"\xef\xbb\xbf").decode("cp1252", errors="replace").rstrip("\x1a\r\n ")
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(c.strip() for c in row)]
    for row in rows:
        if len(row) != columns:
            raise ValueError(f"row {row[0]!r} has {len(row)} columns, expected {columns}")
    return rows


def split_remarks(remarks: str) -> list[str]:
    return [part.strip() for part in remarks.split(";") if part.strip()]


class OfacSdnLegacySpider(SanctionsSpider):
    name = "ofac_sdn_legacy"
    default = False  # the same list as ofac_sdn in an older format: run it when asked
    sample = "ofac_sdn_legacy"
    meta = SourceMeta(authority=AUTHORITIES["ofac_sdn_legacy"].name, title="SDN list (legacy CSV files)",
                      # The Sanctions List Service serves the legacy files since treasury.gov/ofac/downloads retired.
                      url="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/",
                      schedule="45 * * * *",
                      # The same list as ofac_sdn (493 addresses on 2024-05-03, 644 by 2024-09).
                      expected_min=400, expected_max=5_000, sample_min=10, sample_max=100)

    @property
    def sdn_only(self) -> bool:
        """The location names a CSV file itself: `sdn.csv` alone, by the operator's choice."""
        return self.location is not None and self.source_url.lower().endswith(".csv")

    @property
    def base_url(self) -> str:
        url = self.source_url
        return url if url.endswith("/") else url + "/"

    def file_url(self, name: str) -> str:
        """A file of the set: the Sanctions List Service (or a replay of its URLs) names them in
        capitals (SDN.CSV); archived copies and replay directories in lower case, as OFAC's old
        downloads did."""
        return self.base_url + (name.upper() if SERVICE_PATH in self.base_url else name)

    async def start(self):
        url = self.source_url if self.sdn_only else self.file_url("sdn.csv")
        yield self.document_request(url, callback=self.parse)

    def parse(self, response):
        self.document(response, "CSV")  # an error answer fails here, before the second file is asked for
        if self.sdn_only:
            self.logger.warning("sdn.csv given alone, without sdn_comments.csv: remarks cut at %d "
                                "characters are marked truncated", REMARKS_CUT)
            yield from self.batched(self.parse_files(response, None))
            return
        # No errback of our own: a missing or failed part fails the run like the first one.
        yield self.document_request(self.file_url("sdn_comments.csv"), callback=self.parse_with_comments,
                                    cb_kwargs={"sdn": response})

    def parse_with_comments(self, response, sdn):
        self.document(response, "CSV")
        yield from self.batched(self.parse_files(sdn, response))

    def parse_files(self, sdn, comments):
        """The records of both files (each already checked to be a CSV, not an error answer)."""
        extra = {}
        reading = sdn
        try:
            rows = read_rows(sdn.body, len(SDN_COLUMNS))
            if comments is not None:
                reading = comments
                for ent_num, *rest in read_rows(comments.body, 2):
                    extra[ent_num.strip()] = extra.get(ent_num.strip(), "") + rest[0]
        except (ValueError, UnicodeError) as exc:
            raise self.fail(reading.url, str(exc)) from None
        if not rows:
            raise self.fail(sdn.url, "no rows")
        count = 0
        for values in rows:
            row = dict(zip(SDN_COLUMNS, values, strict=True))
            for item in self.parse_row(row, extra):
                count += 1
                yield item
        self.record_raw(sdn.body, sdn.url)
        if comments is not None:
            self.record_raw(comments.body, comments.url)
        yield self.snapshot(sdn.url, None, count)

    def parse_row(self, row: dict, extra: dict):
        """The address mentions of one sdn.csv row (remarks joined with sdn_comments.csv)."""
        ent_num = row.pop("ent_num").strip()
        raw_remarks = row.pop("remarks")
        continuation = extra.get(ent_num)
        remarks = _cell(raw_remarks + (continuation or ""))
        # Cut with nothing to continue it; a clause the cut left closed by ";" is still complete.
        cut = continuation is None and len(raw_remarks) >= REMARKS_CUT and not remarks.endswith(";")
        if not _MENTION.search(remarks) and not cut:
            return
        holder = Holder(name=_cell(row.pop("name")), type=_cell(row.pop("type")).lower() or "entity")
        programs = sorted(p.strip(" []") for p in _cell(row.pop("programs")).split("] [") if p.strip(" []"))
        parts = split_remarks(remarks)
        # The remarks besides the addresses (dates of birth, links to other parties, secondary
        # sanctions notes) are the record's remark as OFAC publishes it.
        remark = "; ".join(part for part in parts if not _MENTION.search(part)) or None
        for index, part in enumerate(parts):
            last_and_cut = cut and index == len(parts) - 1
            match = _ADDRESS.match(part)
            if match is None:
                # A mention we cannot read, or one the 1000-character cut broke before its address.
                if _MENTION.search(part) or (last_and_cut and _is_cut_mention(part)):
                    reason = "remark cut at 1000 characters" if last_and_cut else "unreadable digital currency remark"
                    yield {"rejected": Rejected(source=self.name, source_record_id=ent_num,
                                                reason=reason, raw=part).model_dump(mode="json")}
                continue
            code, address = match.groups()
            yield {"listing": RawListing(
                source=self.name, source_record_id=ent_num, raw_address=address, raw_label=code,
                holder=holder, programs=programs, source_url=RECORD_URL.format(ent_num),
                truncated=last_and_cut, reason=remark,
            ).model_dump(mode="json")}


def _is_cut_mention(part: str) -> bool:
    """`alt. Digital Curr` and the like: the start of a mention, cut before its address."""
    text = part.removeprefix("alt.").strip()
    return len(text) >= 3 and _MENTION_PREFIX.startswith(text)
