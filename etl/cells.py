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
    """The published columns, typed: strings ('' -> null), float64, and timestamps in the city's zone (whole seconds)."""
    arrays, fields = [], []
    for spec in published_fields():
        name, typ = spec["name"], arrow_type(spec, tz)
        values = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype="object")
        if typ == pa.string():
            arr = pa.array(values.astype("str").where(values.astype("str") != "", None), type=pa.string(), from_pandas=True)
        elif pa.types.is_timestamp(typ):
            arr = pa.array(values, from_pandas=True).cast(pa.timestamp("us", tz=tz)).cast(typ, safe=False)
        else:
            arr = pa.array(pd.to_numeric(values), type=typ, from_pandas=True)
        arrays.append(arr)
        fields.append(pa.field(name, typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def to_text(table: pa.Table) -> pa.Table:
    """Arrow table -> all-string table as written to the CSV ('' for missing; ISO 8601 with the UTC offset)."""
    cols = []
    for name, col in zip(table.column_names, table.columns):
        if pa.types.is_timestamp(col.type):
            text = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S%z")
            text = pc.replace_substring_regex(text, pattern=r"([+-]\d\d)(\d\d)$", replacement=r"\1:\2")
        elif pa.types.is_floating(col.type):
            text = col.cast(pa.string())
        else:
            text = col
        cols.append(pc.fill_null(text, ""))
    return pa.Table.from_arrays(cols, names=table.column_names)
