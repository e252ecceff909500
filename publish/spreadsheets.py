"""`addresses.xlsx` and `changes.xlsx`: the release's tables for people with a spreadsheet (the
CSVs stay as they are, for machines). Text in any script stays intact (no import dialog to get
wrong), dates are dates, the header row is frozen with filters on, and a sheet `Fields` says what
every column means (`schemas/dictionary.py`).

Deterministic: the workbook's times are the release's, and every zip entry carries one fixed time,
so the same release is the same bytes (a rebuild compares them)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from sanctions_feed.schemas.dictionary import ADDRESS_FIELDS, CHANGE_FIELDS
from sanctions_feed.schemas.feed import ChangesFile, FeedAddress

from .writers import ADDRESS_CSV_HEADER, CHANGES_CSV_HEADER, address_csv_rows, changes_csv_rows

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
WIDTHS = {"id": 48, "address": 44, "display": 44, "holder": 32, "programs": 40, "source_url": 40, "raw_address": 44,
          "source_urls": 40, "holders": 32, "issues": 24}


def _cell(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value)) or None  # as in the CSV
    if isinstance(value, (date, int, float)):
        return value
    return str(value)


def workbook_bytes(title: str, header: list[str], rows, fields: dict[str, str], created: datetime) -> tuple[bytes, int]:
    """One table as an XLSX workbook (and its row count)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    book.properties.created = book.properties.modified = created.replace(tzinfo=None)
    book.properties.creator = book.properties.lastModifiedBy = "sanctions-feed"
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 14)
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for row in rows:
        values = []
        for value in map(_cell, row):
            if isinstance(value, str) and value[:1] in "=+-@":  # text, never a formula
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                values.append(cell)
            elif isinstance(value, date):  # a spreadsheet's date is a day's midnight
                cell = WriteOnlyCell(sheet, value=datetime(value.year, value.month, value.day))
                cell.number_format = "yyyy-mm-dd"
                values.append(cell)
            else:
                values.append(value)
        sheet.append(values)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    dictionary = book.create_sheet("Fields")
    dictionary.column_dimensions["A"].width, dictionary.column_dimensions["B"].width = 20, 110
    dictionary.append([WriteOnlyCell(dictionary, value="column"), WriteOnlyCell(dictionary, value="meaning")])
    for name in header:
        dictionary.append([name, fields[name]])
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_times(buffer.getvalue()), count


def _fixed_times(data: bytes) -> bytes:
    """The same workbook with no clock in it: one fixed time on every zip entry, and the document's
    `modified` time its `created` one (openpyxl stamps both with the clock when it saves)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _same_times(content)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _same_times(core: bytes) -> bytes:
    created = _CREATED.search(core)
    if created is None:
        return core
    when = created.group(2)
    return _MODIFIED.sub(lambda m: m.group(1) + when + m.group(3), core)


_CREATED = re.compile(rb"(<dcterms:created[^>]*>)([^<]*)(</dcterms:created>)")
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)([^<]*)(</dcterms:modified>)")


class AddressesXlsx:
    FILE_NAME = "addresses.xlsx"

    def write(self, directory: Path, addresses: list[FeedAddress], created: datetime, **_) -> int:
        data, rows = workbook_bytes("Addresses", ADDRESS_CSV_HEADER, address_csv_rows(addresses), ADDRESS_FIELDS,
                                    created)
        (directory / self.FILE_NAME).write_bytes(data)
        return rows


class ChangesXlsx:
    FILE_NAME = "changes.xlsx"

    def write(self, directory: Path, changes: ChangesFile, created: datetime, **_) -> int:
        data, rows = workbook_bytes("Changes", CHANGES_CSV_HEADER, changes_csv_rows(changes), CHANGE_FIELDS, created)
        (directory / self.FILE_NAME).write_bytes(data)
        return rows
