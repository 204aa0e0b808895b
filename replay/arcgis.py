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

from .query import QueryError, parse_order, parse_where, select
from .wire import Answer, epoch_ms, json_answer, number

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


def _value(ds, kind: str, text: str):
    if not text:
        return None
    if kind == "datetime" and (moment := ds.moment(text)):
        return epoch_ms(moment)
    if kind in ("integer", "number"):
        return number(text)
    return text


def _point(ds, row: dict) -> tuple | None:
    cols = ds.profile.columns
    lat = number(row.get(cols["lat"], "")) if cols["lat"] else None
    lon = number(row.get(cols["long"], "")) if cols["long"] else None
    return None if lat is None or lon is None else (lon, lat)


def feature(ds, index: int, geojson: bool) -> dict:
    row = ds.rows[index]
    values = {"OBJECTID": index + 1, **{arc_name(c): _value(ds, c.kind, row.get(c.name, "")) for c in ds.columns}}
    point = _point(ds, row)
    if geojson:
        geometry = {"type": "Point", "coordinates": list(point)} if point else None
        return {"type": "Feature", "id": index + 1, "geometry": geometry, "properties": values}
    return {"attributes": values, "geometry": {"x": point[0], "y": point[1]} if point else None}


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
    features = [feature(ds, i, fmt == "geojson") for i in page]
    if fmt == "geojson":
        value = {"type": "FeatureCollection", "features": features}
        return json_answer({**value, "properties": {"exceededTransferLimit": True}} if more else value)
    value = {"objectIdFieldName": "OBJECTID", "geometryType": "esriGeometryPoint", "spatialReference": {"wkid": 4326}}
    value.update({"fields": fields(ds), "features": features})
    return json_answer({**value, "exceededTransferLimit": True} if more else value)


def _statistics(ds, rows: list[int], params: dict, names: dict) -> dict:
    out = {}
    for stat in json.loads(params["outStatistics"]):
        kind, field, alias = stat["statisticType"], stat["onStatisticField"], stat["outStatisticFieldName"]
        if field not in names or kind not in ("max", "min", "count"):
            raise QueryError(f"cannot compute {kind} of {field}")
        values = [v for v in (ds.typed(names[field])[i] for i in rows) if v is not None]
        if kind == "count":
            out[alias] = len(values)
        elif values:
            best = max(values) if kind == "max" else min(values)
            out[alias] = epoch_ms(best) if hasattr(best, "timestamp") else best
        else:
            out[alias] = None
    return out
