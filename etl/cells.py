"""Typed schema frames -> the exact text cells and Arrow columns that are published.

One formatter for every output so that the CSV, the Parquet file, the database and the
changelog's row hashes all describe the same values.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .validate import load_schema


def published_fields() -> list[dict]:
    return load_schema("service_requests")["fields"]


def arrow_type(field: dict, tz: str) -> pa.DataType:
    return {"number": pa.float64(), "datetime": pa.timestamp("s", tz=tz)}.get(field["type"], pa.string())


def to_arrow(frame: pd.DataFrame, tz: str) -> pa.Table:
    """The published columns, typed: strings ('' -> null), float64, and timestamps in the city's zone
    (whole seconds)."""
    arrays, fields = [], []
    for spec in published_fields():
        name, typ = spec["name"], arrow_type(spec, tz)
        values = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype="object")
        if typ == pa.string():
            arr = pa.array(
                values.astype("str").where(values.astype("str") != "", None), type=pa.string(), from_pandas=True
            )
        elif pa.types.is_timestamp(typ):
            arr = pa.array(values, from_pandas=True).cast(pa.timestamp("us", tz=tz)).cast(typ, safe=False)
        else:
            arr = pa.array(pd.to_numeric(values), type=typ, from_pandas=True)
        arrays.append(arr)
        fields.append(pa.field(name, typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def iso_local(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Timestamps (with a zone) -> ISO 8601 text in that zone with its UTC offset, e.g.
    '2024-03-10T03:15:00-04:00'. The same text as ``strftime('%Y-%m-%dT%H:%M:%S%z')`` with a colon in
    the offset, made column-wise in Arrow: the wall-clock time is cast to text and the offset, which
    takes a handful of values, is looked up (no per-value Python call)."""
    seconds = col.cast(pa.timestamp("s", tz=col.type.tz), safe=False)
    local = pc.local_timestamp(seconds)
    wall = pc.utf8_replace_slice(local.cast(pa.string()), start=10, stop=11, replacement="T")
    offset = pc.subtract(local.cast(pa.int64()), seconds.cast(pa.int64()))  # seconds east of UTC
    known = pc.unique(offset).drop_null()
    labels = pa.array(
        [f"{'-' if s < 0 else '+'}{abs(s) // 3600:02d}:{abs(s) % 3600 // 60:02d}" for s in known.to_pylist()],
        pa.string(),
    )
    return pc.binary_join_element_wise(wall, pc.take(labels, pc.index_in(offset, value_set=known)), "")


def sql_text(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Timestamps -> naive UTC text as SQLAlchemy stores a DateTime in SQLite ('2024-03-10 07:15:00.000000'):
    whole seconds, as published."""
    utc = col.cast(pa.timestamp("s", tz="UTC"), safe=False).cast(pa.timestamp("s"))
    return pc.binary_join_element_wise(utc.cast(pa.string()), ".000000", "")


def to_text(table: pa.Table) -> pa.Table:
    """Arrow table -> all-string table as written to the CSV ('' for missing; ISO 8601 with the UTC offset)."""
    cols = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type):
            text = iso_local(col)
        elif pa.types.is_floating(col.type):
            text = col.cast(pa.string())
        else:
            text = col
        cols.append(pc.fill_null(text, ""))
    return pa.Table.from_arrays(cols, names=table.column_names)
