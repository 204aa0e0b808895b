"""Exports of published rows as CSV or GeoJSON, formatted like the release's own files."""

from __future__ import annotations

import json
import math

import pandas as pd

from portal.queries import PUBLIC_COLUMNS
from portal.timefmt import to_local

DATETIME_COLUMNS = ["requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime"]
FORMATS = {"csv": ("text/csv", "csv"), "geojson": ("application/geo+json", "geojson")}


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NaT


def public_record(row: dict, tz_name: str) -> dict:
    """One row with datetimes as ISO 8601 in the city's zone and missing values as None."""
    out = {}
    for col in PUBLIC_COLUMNS:
        value = row.get(col)
        if not _present(value):
            out[col] = None
        elif col in DATETIME_COLUMNS:
            out[col] = to_local(value, tz_name).isoformat()
        else:
            out[col] = value
    return out


def rows_csv(rows: list[dict], tz_name: str) -> bytes:
    """CSV with the published columns, in the release's column order."""
    frame = pd.DataFrame([public_record(r, tz_name) for r in rows], columns=PUBLIC_COLUMNS)
    return frame.to_csv(index=False).encode("utf-8")


def rows_geojson(rows: list[dict], tz_name: str) -> bytes:
    """A GeoJSON FeatureCollection; rows without a location get a null geometry."""
    features = []
    for row in rows:
        record = public_record(row, tz_name)
        geometry = None
        if record["lat"] is not None and record["long"] is not None:
            geometry = {"type": "Point", "coordinates": [record["long"], record["lat"]]}
        features.append({"type": "Feature", "geometry": geometry, "properties": record})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def export(rows: list[dict], tz_name: str, fmt: str) -> bytes:
    if fmt == "csv":
        return rows_csv(rows, tz_name)
    if fmt == "geojson":
        return rows_geojson(rows, tz_name)
    raise ValueError(f"unknown export format {fmt!r}; use one of {sorted(FORMATS)}")
