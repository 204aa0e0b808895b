"""SODA 2.x as Socrata answers it: ``/resource/<id>.json`` and ``/api/views/<id>.json``.

Rows use the API field names (``unique_key``), leave out empty fields, write every value as text
(numbers too), dates as floating timestamps (``2023-02-28T23:45:00.000``) and a location as an
object. ``$select`` is ``*``, ``:*, *`` (with the system fields ``:id``, ``:created_at``,
``:updated_at``) or one aggregate (``max(field) AS name``, ``min``, ``count``); ``$where``,
``$order``, ``$limit`` (at most ``max_limit``) and ``$offset`` as in replay.query.
"""

from __future__ import annotations

import re

from .query import QueryError, parse_order, parse_where, select
from .wire import Answer, fixed, floating, json_answer, point_of

TYPES = {"datetime": "calendar_date", "integer": "number", "number": "number", "location": "location", "text": "text"}
SYSTEM = (":id", ":created_at", ":updated_at")
AGGREGATE = re.compile(r"\s*(max|min|count)\(\s*([:@\w*]+)\s*\)(?:\s+AS\s+(\w+))?\s*", re.I)
HUMAN_ADDRESS = '{"address": "", "city": "", "state": "", "zip": ""}'


def error(status: int, code: str, message: str) -> Answer:
    return json_answer({"code": code, "error": True, "message": message}, status)


def names(ds) -> dict[str, str]:
    return {**{c.field: c.name for c in ds.columns}, **{s: s for s in SYSTEM}}


def metadata(ds) -> Answer:
    newest = max((s[":updated_at"] for s in ds.system), default=None)
    columns = [
        {"id": i, "name": c.name, "fieldName": c.field, "position": i, "dataTypeName": TYPES[c.kind]}
        for i, c in enumerate(ds.columns, 1)
    ]
    return json_answer(
        {
            "id": ds.dataset_id,
            "name": ds.profile.package["title"],
            "rowsUpdatedAt": int(newest.timestamp()) if newest else None,
            "columns": columns,
        }
    )


def _value(ds, kind: str, text: str):
    if kind == "datetime":
        moment = ds.moment(text)
        return floating(moment) if moment else text
    if kind == "location" and (point := point_of(text)):
        return {"latitude": point[0], "longitude": point[1], "human_address": HUMAN_ADDRESS}
    return text


def row_of(ds, index: int, system: bool) -> dict:
    row, out = ds.rows[index], {}
    if system:
        s = ds.system[index]
        out.update({":id": s[":id"], ":created_at": fixed(s[":created_at"]), ":updated_at": fixed(s[":updated_at"])})
    for c in ds.columns:
        if row.get(c.name):
            out[c.field] = _value(ds, c.kind, row[c.name])
    return out


def resource(ds, params: dict, max_limit: int) -> Answer:
    try:
        limit, offset = int(params.get("$limit", 1000)), int(params.get("$offset", 0))
        if limit > max_limit:
            raise QueryError(f"$limit may not exceed {max_limit}")
        mapping, where = names(ds), parse_where(params.get("$where", ""))
        rows = select(ds, where, parse_order(params.get("$order", ":id")), mapping, ds.tz)
        chosen = params.get("$select", "*")
        if m := AGGREGATE.fullmatch(chosen):
            return json_answer([_aggregate(ds, rows, m, mapping)])
        if chosen.replace(" ", "") not in ("*", ":*,*"):
            raise QueryError(f"unsupported $select {chosen!r}")
    except (QueryError, ValueError) as exc:
        return error(400, "query.compiler.malformed", str(exc))
    system = chosen.replace(" ", "") == ":*,*"
    return json_answer([row_of(ds, i, system) for i in rows[offset : offset + limit]])


def _aggregate(ds, rows: list[int], m: re.Match, mapping: dict) -> dict:
    func, field, alias = m[1].lower(), m[2], m[3] or f"{m[1].lower()}_{m[2].strip(':')}"
    if func == "count":
        return {alias: str(len(rows))}
    if field not in mapping:
        raise QueryError(f"no such column: {field}")
    values = [v for v in (ds.typed(mapping[field])[i] for i in rows) if v is not None]
    if not values:
        return {}
    best = max(values) if func == "max" else min(values)
    if field in SYSTEM:
        return {alias: fixed(best)}
    column = ds.column(mapping[field])
    return {alias: floating(best) if column.kind == "datetime" else str(best)}
