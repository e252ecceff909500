"""addresses.parquet: one row per address, its listings a list-of-struct column (and each
listing's events a list-of-struct inside it), for DuckDB, pandas and Spark users. The columns
and their types are declared here once; a row holds what addresses.json says of the address."""

from __future__ import annotations

import io
from pathlib import Path

from sanctions_feed.schemas.feed import FeedAddress

FILE_NAME = "addresses.parquet"
BATCH = 500


def _schema():
    import pyarrow as pa

    text, day, texts = pa.string(), pa.date32(), pa.list_(pa.string())
    event = pa.struct([("event", text), ("date", day), ("recorded_on", day), ("release", text)])
    listing = pa.struct([
        ("source", text), ("source_record_id", text), ("authority", text), ("holder", text),
        ("holder_type", text), ("holder_status", text), ("holder_issues", texts), ("other_holders", texts),
        ("programs", texts), ("program_titles", pa.map_(text, text)), ("reason", text), ("reason_lang", text),
        ("assets", texts), ("listed_on", day), ("valid_until", day), ("status", text), ("first_seen", day),
        ("delisted_on", day), ("source_url", text), ("raw_address", text), ("issues", texts),
        ("events", pa.list_(event)),
    ])
    return pa.schema([
        ("id", text), ("chain", text), ("address", text), ("display", text), ("kind", text), ("platform", text),
        ("tag", text), ("validity", text), ("issues", texts), ("assets", texts), ("status", text),
        ("first_seen", day), ("caip2", text), ("listings", pa.list_(listing)),
    ])


def _row(address: FeedAddress) -> dict:
    row = address.model_dump(mode="python")
    for listing in row["listings"]:
        listing["program_titles"] = list(listing["program_titles"].items())
    return row


class AddressesParquet:
    FILE_NAME = FILE_NAME

    def write(self, directory: Path, addresses: list[FeedAddress], **_) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _schema()
        # Made 500 rows at a time: the rows as Python dicts are many times the Arrow columns (the
        # file is the same bytes as from one batch).
        table = pa.Table.from_batches([pa.RecordBatch.from_pylist([_row(a) for a in addresses[start:start + BATCH]],
                                                                  schema=schema)
                                       for start in range(0, len(addresses), BATCH)], schema=schema)
        # No statistics or page index: the same records give the same bytes with one pyarrow.
        pq.write_table(table, directory / FILE_NAME, compression="zstd", write_statistics=False)
        return table.num_rows


def parquet_rows(data: bytes) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(io.BytesIO(data)).num_rows
