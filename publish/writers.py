"""One writer per published format. Each writes one file into a release directory and reports
its row count; the release code hashes and records it in the manifest."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

from sanctions_feed.schemas.feed import ChangesFile, FeedAddress

from .diff import shown_value
from .html import ChangesHtml

_FORMULA_START = frozenset("=+-@\t\r")


def csv_row(values) -> list[str]:
    """CSV cells a spreadsheet will not run as formulas (lists joined with `;`)."""
    cells = ["" if v is None else ";".join(map(str, v)) if v.__class__ in (list, tuple) else str(v)
             for v in values]
    return ["'" + c if c[:1] in _FORMULA_START and c else c for c in cells]


def csv_value(cell: str) -> str:
    """What a cell written by `csv_row` stood for: the formula guard's `'` removed."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in _FORMULA_START else cell


def xlsx_rows(data: bytes) -> int:
    """The rows of a workbook's first sheet, its header left out (for `verify`)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return max(book.read("xl/worksheets/sheet1.xml").count(b"<row ") - 1, 0)


def count_rows(name: str, data: bytes) -> int | None:
    """A published file's row count as its writer reported it to the manifest (None: changes.html,
    whose rows are changes.json's; a `.gz` sibling: its file's)."""
    if name.endswith(".gz"):
        return count_rows(name.removesuffix(".gz"), gzip.decompress(data))
    if name.endswith(".csv"):
        return max(sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1, 0)
    if name.endswith(".txt") or name.rsplit("/", 1)[-1].startswith("entities."):  # one record per line
        return data.count(b"\n")
    if name.startswith("schema/"):
        return 1
    if name == AddressesJson.FILE_NAME:
        return len(json.loads(data)["addresses"])
    if name == ChangesJson.FILE_NAME:
        changes = json.loads(data)
        return len(changes["added"]) + len(changes["removed"]) + len(changes["changed"])
    if name == ChangesHtml.FILE_NAME:
        return None
    if name.endswith(".xlsx"):
        return xlsx_rows(data)
    if name.startswith("compat/") and name.endswith(".json"):
        return len(json.loads(data))
    if name.endswith(".parquet"):
        from .parquet import parquet_rows

        return parquet_rows(data)
    raise ValueError(f"no row count is defined for {name}")  # a new format must say how its rows count


class Records:
    """Each address's JSON form, built once per release and shared by the writers."""

    def __init__(self, addresses: list[FeedAddress]):
        self._by_id = {a.id: (a, a.model_dump(mode="json")) for a in addresses}

    def __call__(self, address: FeedAddress) -> dict:
        cached = self._by_id.get(address.id)
        return cached[1] if cached is not None and cached[0] is address else address.model_dump(mode="json")


def json_bytes(payload) -> bytes:
    return (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_json(path: Path, payload) -> None:
    path.write_bytes(json_bytes(payload))


def write_json_records(path: Path, payload: dict) -> None:
    """JSON with one record per line inside its lists: readable, diffable line by line, and
    written by the C encoder (indenting a large document is several times slower)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("{")
        for n, (key, value) in enumerate(payload.items()):
            out.write(("," if n else "") + "\n" + json.dumps(key) + ": ")
            if isinstance(value, list) and value:
                out.write("[\n" + ",\n".join(json.dumps(v, ensure_ascii=False) for v in value) + "\n]")
            else:
                out.write(json.dumps(value, ensure_ascii=False))
        out.write("\n}\n")


def render_csv(header: list[str], rows) -> tuple[str, int]:
    """CSV text (formula-safe cells) and its row count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(csv_row(row))
        count += 1
    return buffer.getvalue(), count


def write_csv(path: Path, header: list[str], rows) -> int:
    text, count = render_csv(header, rows)
    path.write_text(text, encoding="utf-8")
    return count


class AddressesJson:
    FILE_NAME = "addresses.json"

    def write(self, directory: Path, version: str, addresses: list[FeedAddress], records: Records, **_) -> int:
        write_json_records(directory / self.FILE_NAME,
                           {"version": version, "addresses": [records(a) for a in addresses]})
        return len(addresses)


ADDRESS_CSV_HEADER = [
    "id", "chain", "address", "display", "kind", "platform", "validity", "issues", "assets",
    "address_status", "first_seen", "source", "source_record_id", "holder", "holder_type",
    "holder_status", "programs", "listing_assets", "listed_on", "valid_until", "listing_status",
    "delisted_on", "source_url", "raw_address", "holder_issues", "tag", "caip2",
    "authority", "program_titles", "reason", "reason_lang",
]


def address_csv_rows(addresses: list[FeedAddress]):
    for a in addresses:
        for listing in a.listings:
            yield [a.id, a.chain, a.address, a.display, a.kind, a.platform, a.validity, a.issues,
                   a.assets, a.status, a.first_seen, listing.source, listing.source_record_id, listing.holder,
                   listing.holder_type, listing.holder_status, listing.programs, listing.assets, listing.listed_on,
                   listing.valid_until, listing.status, listing.delisted_on, listing.source_url, listing.raw_address,
                   listing.holder_issues, a.tag, a.caip2, listing.authority,
                   [f"{value}: {title}" for value, title in listing.program_titles.items()], listing.reason,
                   listing.reason_lang]


class AddressesCsv:
    FILE_NAME = "addresses.csv"

    def write(self, directory: Path, addresses: list[FeedAddress], **_) -> int:
        return write_csv(directory / self.FILE_NAME, ADDRESS_CSV_HEADER, address_csv_rows(addresses))


class ChangesJson:
    FILE_NAME = "changes.json"

    def write(self, directory: Path, changes: ChangesFile, records: Records, **_) -> int:
        write_json_records(directory / self.FILE_NAME, {
            "from": changes.from_, "to": changes.to,
            "added": [records(a) for a in changes.added], "removed": [records(a) for a in changes.removed],
            "changed": [{"id": c.id, "fields": c.fields, "before": records(c.before), "after": records(c.after)}
                        for c in changes.changed],
            "listings": [change.model_dump(mode="json") for change in changes.listings or []],
        })
        return len(changes.added) + len(changes.removed) + len(changes.changed)


CHANGES_CSV_HEADER = ["change", "id", "chain", "address", "status", "fields", "sources",
                      "holders", "programs", "source_urls", "caip2",
                      "source", "source_record_id", "listing_change", "listing_status", "event",
                      "listing_fields", "before", "after", "holder", "listed_on", "delisted_on",
                      "valid_until", "source_url"]
"""One row per changed listing (since 1.4), the address's columns repeated on each; an address
whose change touches no listing (a verdict re-derived) has one row with the listing columns empty."""


def _values(fields: dict, side: str) -> str:
    """`status: active; delisted_on: (none)`: one side of a listing's changed fields."""
    return "; ".join(f"{name}: {shown_value(getattr(change, side))}" for name, change in fields.items())


def changes_csv_rows(changes: ChangesFile):
    none: list[str] = []
    entries = [("added", a, none) for a in changes.added] + [("removed", a, none) for a in changes.removed]
    entries += [("changed", c.after, c.fields) for c in changes.changed]
    by_address: dict[str, list] = {}
    for listing_change in changes.listings or []:
        by_address.setdefault(listing_change.id, []).append(listing_change)
    for change, a, fields in sorted(entries, key=lambda e: (e[1].id, e[0])):
        head = [change, a.id, a.chain, a.address, a.status, fields,
                sorted({listing.source for listing in a.listings}),
                sorted({listing.holder for listing in a.listings if listing.holder}),
                sorted({p for listing in a.listings for p in listing.programs}),
                sorted({listing.source_url for listing in a.listings if listing.source_url}), a.caip2]
        listed = {(x.source, x.source_record_id): x for x in a.listings}
        for item in by_address.get(a.id) or [None]:
            if item is None:
                yield head + [None] * (len(CHANGES_CSV_HEADER) - len(head))
                continue
            listing = listed.get((item.source, item.source_record_id))
            yield head + [item.source, item.source_record_id, item.change, item.status, item.event,
                          list(item.fields), _values(item.fields, "before"), _values(item.fields, "after")] + (
                [listing.holder, listing.listed_on, listing.delisted_on, listing.valid_until, listing.source_url]
                if listing else [None] * 5)


class ChangesCsv:
    FILE_NAME = "changes.csv"

    def write(self, directory: Path, changes: ChangesFile, **_) -> int:
        return write_csv(directory / self.FILE_NAME, CHANGES_CSV_HEADER, changes_csv_rows(changes))


class RejectedCsv:
    FILE_NAME = "rejected.csv"
    HEADER = ["source", "source_record_id", "reason", "raw"]

    @classmethod
    def render(cls, rejected) -> tuple[str, int]:
        return render_csv(cls.HEADER, ([r.source, r.source_record_id, r.reason, r.raw] for r in rejected))

    def write(self, directory: Path, rejected, **_) -> int:
        text, rows = self.render(rejected)
        (directory / self.FILE_NAME).write_text(text, encoding="utf-8")
        return rows


GZIP_SIBLING_MIN = 64 * 1024
"""Bytes from which a JSON, CSV or text file gets a `.gz` sibling."""
GZIP_SUFFIXES = (".json", ".csv", ".txt")


class GzipSiblings:
    """`<file>.gz` beside each large JSON, CSV and text file of a release, written once at publish
    (gzip -9, no name or time in the header: the same file gives the same bytes) and listed in the
    manifest with its own sha256 and its file's rows: `serve` and nginx's `gzip_static` send it as
    it is to a client that accepts gzip, instead of compressing the file on every request."""

    def write_all(self, directory: Path, files: dict) -> dict[str, int]:
        counts = {}
        for name, entry in sorted(files.items()):
            if name.endswith(GZIP_SUFFIXES) and entry.bytes >= GZIP_SIBLING_MIN:
                with (directory / name).open("rb") as source, (directory / f"{name}.gz").open("wb") as raw, \
                        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        out.write(block)
                counts[f"{name}.gz"] = entry.rows
        return counts


FILE_WRITERS = (AddressesJson(), AddressesCsv(), ChangesJson(), ChangesCsv(), RejectedCsv(), ChangesHtml())
