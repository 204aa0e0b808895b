"""An ArcGIS FeatureServer layer: ``<layer>?f=json`` and ``<layer>/query``, as ArcGIS answers them.

Fields keep the extract's column names (names that are not identifiers become the Socrata-style
field name), plus ``OBJECTID``. Dates are ``esriFieldTypeDate``: milliseconds since 1970, UTC.
``query`` takes ``where`` (``1=1``, ``Field >= TIMESTAMP 'YYYY-MM-DD HH:MM:SS'`` in UTC, ``Field =
'x'``), ``outFields=*``, ``orderByFields``, ``resultOffset``, ``resultRecordCount`` (at most
``maxRecordCount``), ``outStatistics`` and ``f=json|pjson|geojson``; more rows than one answer holds
is said with ``exceededTransferLimit`` (``properties.exceededTransferLimit`` in GeoJSON). Errors come,
as from ArcGIS, inside a 200 answer: ``{"error": {"code": 400, ...}}``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC

import numpy as np
import pandas as pd

from .query import QueryError, parse_order, parse_where, select
from .wire import Answer, epoch_ms, json_answer, numbers

TYPES = {
    "datetime": "esriFieldTypeDate",
    "integer": "esriFieldTypeInteger",
    "number": "esriFieldTypeDouble",
    "location": "esriFieldTypeString",
    "text": "esriFieldTypeString",
}


def error(message: str) -> Answer:
    return json_answer({"error": {"code": 400, "message": "Unable to complete operation.", "details": [message]}})


def arc_name(column) -> str:
    return column.name if re.fullmatch(r"[A-Za-z_]\w*", column.name) else column.field


def fields(ds) -> list[dict]:
    oid = [{"name": "OBJECTID", "type": "esriFieldTypeOID", "alias": "OBJECTID"}]
    return oid + [{"name": arc_name(c), "type": TYPES[c.kind], "alias": c.name} for c in ds.columns]


def layer(ds, max_records: int) -> Answer:
    return json_answer(
        {
            "id": 0,
            "name": ds.profile.name,
            "type": "Feature Layer",
            "geometryType": "esriGeometryPoint",
            "objectIdField": "OBJECTID",
            "maxRecordCount": max_records,
            "advancedQueryCapabilities": {"supportsPagination": True, "supportsOrderBy": True},
            "fields": fields(ds),
        }
    )


def _cells(ds, column, rows: np.ndarray) -> list:
    if column.kind == "datetime":
        return epoch_ms(ds.typed(column.name).iloc[rows])
    if column.kind in ("integer", "number"):
        return numbers(ds.typed(column.name).iloc[rows], ds.frame[column.name].iloc[rows])
    return [t or None for t in ds.frame[column.name].iloc[rows].tolist()]


def _points(ds, rows: np.ndarray) -> list:
    cols = ds.profile.columns
    if not (cols["lat"] and cols["long"]) or cols["lat"] not in ds.frame or cols["long"] not in ds.frame:
        return [None] * len(rows)
    lat, lon = ds.typed(cols["lat"]).iloc[rows].tolist(), ds.typed(cols["long"]).iloc[rows].tolist()
    return [None if pd.isna(y) or pd.isna(x) else (x, y) for y, x in zip(lat, lon, strict=True)]


def features(ds, rows: np.ndarray, geojson: bool) -> list[dict]:
    columns = {"OBJECTID": (rows + 1).tolist(), **{arc_name(c): _cells(ds, c, rows) for c in ds.columns}}
    names = list(columns)
    out = []
    for values, point in zip(zip(*columns.values(), strict=True), _points(ds, rows), strict=True):
        attributes = dict(zip(names, values, strict=True))
        if geojson:
            geometry = {"type": "Point", "coordinates": list(point)} if point else None
            out.append(
                {"type": "Feature", "id": attributes["OBJECTID"], "geometry": geometry, "properties": attributes}
            )
        else:
            out.append({"attributes": attributes, "geometry": {"x": point[0], "y": point[1]} if point else None})
    return out


def query(ds, params: dict, max_records: int) -> Answer:
    fmt = params.get("f", "json")
    names = {**{arc_name(c): c.name for c in ds.columns}, "OBJECTID": ":index"}
    try:
        if fmt not in ("json", "pjson", "geojson"):
            raise QueryError(f"unsupported f={fmt}")
        if params.get("outFields", "*") != "*":
            raise QueryError("only outFields=* is served")
        count = min(int(params.get("resultRecordCount", max_records)), max_records)
        offset = int(params.get("resultOffset", 0))
        order = parse_order(params.get("orderByFields", "OBJECTID"))
        rows = select(ds, parse_where(params.get("where", "1=1")), order, names, UTC)
        if params.get("outStatistics"):
            return json_answer({"features": [{"attributes": _statistics(ds, rows, params, names)}]})
    except (QueryError, ValueError) as exc:
        return error(str(exc))
    page, more = rows[offset : offset + count], offset + count < len(rows)
    found = features(ds, page, fmt == "geojson")
    if fmt == "geojson":
        value = {"type": "FeatureCollection", "features": found}
        return json_answer({**value, "properties": {"exceededTransferLimit": True}} if more else value)
    value = {"objectIdFieldName": "OBJECTID", "geometryType": "esriGeometryPoint", "spatialReference": {"wkid": 4326}}
    value.update({"fields": fields(ds), "features": found})
    return json_answer({**value, "exceededTransferLimit": True} if more else value)


def _statistics(ds, rows: np.ndarray, params: dict, names: dict) -> dict:
    out = {}
    for stat in json.loads(params["outStatistics"]):
        kind, field, alias = stat["statisticType"], stat["onStatisticField"], stat["outStatisticFieldName"]
        if field not in names or kind not in ("max", "min", "count"):
            raise QueryError(f"cannot compute {kind} of {field}")
        values = ds.typed(names[field]).iloc[rows].dropna()
        if kind == "count":
            out[alias] = len(values)
        elif values.empty:
            out[alias] = None
        else:
            best = pd.Series([values.max() if kind == "max" else values.min()])
            out[alias] = epoch_ms(best)[0] if pd.api.types.is_datetime64_any_dtype(values) else best[0]
    return out
