"""addresses.xlsx and changes.xlsx: what the CSVs hold, for a spreadsheet: every script intact,
dates as dates, the header frozen with filters, the field dictionary on its own sheet, text
that looks like a formula kept as text, and the same bytes for the same release."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from sanctions_feed.publish.spreadsheets import workbook_bytes
from sanctions_feed.publish.writers import csv_value
from sanctions_feed.schemas.dictionary import ADDRESS_FIELDS, CHANGE_FIELDS

README = Path(__file__).parent.parent / "README.md"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


@pytest.mark.parametrize(("name", "fields"), [("addresses", ADDRESS_FIELDS), ("changes", CHANGE_FIELDS)])
def test_the_workbook_holds_the_csv_in_every_script_with_dates_as_dates(sample_feed, name, fields):
    release = sample_feed / "latest"
    book = openpyxl.load_workbook(release / f"{name}.xlsx")
    sheet, dictionary = book.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    with (release / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert list(rows[0]) == table[0] and len(rows) == len(table)
    for got, want in zip(rows[1:], table[1:], strict=True):
        assert [_text(v) for v in got] == [csv_value(cell) for cell in want]
    text = "".join(_text(v) for row in rows for v in row)
    assert re.search("[\u3040-\u30ff\u4e00-\u9fff]", text)  # Japanese programmes, intact
    if name == "addresses":
        assert re.search("[\u0590-\u05ff]", text)  # Hebrew (the Israeli orders), intact
        listed_on = rows[0].index("listed_on")
        assert any(isinstance(row[listed_on], datetime) for row in rows[1:])  # a date cell, not text
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert [tuple(r) for r in dictionary.iter_rows(min_row=2, values_only=True)] == list(fields.items())


def test_every_column_has_a_meaning_in_the_dictionary_and_in_readme():
    from sanctions_feed.publish.writers import ADDRESS_CSV_HEADER, CHANGES_CSV_HEADER

    assert list(ADDRESS_FIELDS) == ADDRESS_CSV_HEADER and list(CHANGE_FIELDS) == CHANGES_CSV_HEADER
    readme = README.read_text(encoding="utf-8")
    for column in {*ADDRESS_FIELDS, *CHANGE_FIELDS}:
        assert f"| `{column}` |" in readme, column


def test_text_that_looks_like_a_formula_stays_text_and_the_bytes_are_the_releases():
    import zipfile

    from sanctions_feed.publish.spreadsheets import ZIP_TIME

    created = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    rows = [["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", date(2024, 5, 7), ["a", "b"], None, 3]]
    header = ["change", "id", "chain", "address", "status", "fields", "sources", "holders"]
    fields = {name: "x" for name in header}
    data, count = workbook_bytes("Changes", header, rows, fields, created)
    again, _ = workbook_bytes("Changes", header, rows, fields, created)
    assert data == again and count == 1
    # No clock in it (openpyxl stamps one when it saves): every time is the release's, or fixed.
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert {info.date_time for info in book.infolist()} == {ZIP_TIME}
        stamps = re.findall(rb"<dcterms:(?:created|modified)[^>]*>([^<]*)<", book.read("docProps/core.xml"))
    assert stamps == [b"2026-11-24T12:00:00Z", b"2026-11-24T12:00:00Z"]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = list(sheet.iter_rows(min_row=2, values_only=True))[0]
    assert cells[:4] == ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)")
    assert all(cell.data_type == "s" for cell in next(sheet.iter_rows(min_row=2, max_row=2))[:4])
    assert cells[4] == datetime(2024, 5, 7) and cells[5] == "a;b" and cells[6] is None and cells[7] == 3
