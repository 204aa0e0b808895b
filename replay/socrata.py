"""SODA 2.x as Socrata answers it: ``/resource/<id>.json`` and ``/api/views/<id>.json``.

Rows use the API field names (``unique_key``), leave out empty fields, write every value as text
(numbers too), dates as floating timestamps (``2023-02-28T23:45:00.000``) and a location as an
object. ``$select`` is ``*``, ``:*, *`` (with the system fields ``:id``, ``:created_at``,
``:updated_at``) or one aggregate (``max(field) AS name``, ``min``, ``count``); ``$where``,
``$order``, ``$limit`` (at most ``max_limit``) and ``$offset`` as in replay.query.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

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
    newest = ds.system[":updated_at"].max() if len(ds) else None
    columns = [
        {"id": i, "name": c.name, "fieldName": c.field, "position": i, "dataTypeName": TYPES[c.kind]}
        for i, c in enumerate(ds.columns, 1)
    ]
    return json_answer(
        {
            "id": ds.dataset_id,
            "name": ds.profile.package["title"],
            "rowsUpdatedAt": int(newest.timestamp()) if newest is not None else None,
            "columns": columns,
        }
    )


def _location(text: str):
    point = point_of(text)
    return {"latitude": point[0], "longitude": point[1], "human_address": HUMAN_ADDRESS} if point else text


def rows_of(ds, rows: np.ndarray, system: bool) -> list[dict]:
    """The rows at these positions as Socrata writes them: API names, empty fields left out."""
    columns: dict[str, list] = {}
    if system:
        s = ds.system.iloc[rows]
        columns |= {
            ":id": s[":id"].tolist(),
            ":created_at": fixed(s[":created_at"]),
            ":updated_at": fixed(s[":updated_at"]),
        }
    for c in ds.columns:
        text = ds.frame[c.name].iloc[rows]
        if c.kind == "datetime":
            moments = ds.typed(c.name).iloc[rows]
            columns[c.field] = [f or t for f, t in zip(floating(moments), text.tolist(), strict=True)]
        elif c.kind == "location":
            columns[c.field] = [_location(t) for t in text.tolist()]
        else:
            columns[c.field] = text.tolist()
    names = list(columns)
    return [{k: v for k, v in zip(names, values, strict=True) if v} for values in zip(*columns.values(), strict=True)]


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
    return json_answer(rows_of(ds, rows[offset : offset + limit], system))


def _aggregate(ds, rows: np.ndarray, m: re.Match, mapping: dict) -> dict:
    func, field, alias = m[1].lower(), m[2], m[3] or f"{m[1].lower()}_{m[2].strip(':')}"
    if func == "count":
        return {alias: str(len(rows))}
    if field not in mapping:
        raise QueryError(f"no such column: {field}")
    values = ds.typed(mapping[field]).iloc[rows].dropna()
    if values.empty:
        return {}
    best = values.max() if func == "max" else values.min()
    if field in SYSTEM:
        return {alias: fixed(pd.Series([best]))[0]}
    if ds.column(mapping[field]).kind == "datetime":
        return {alias: floating(pd.Series([best]))[0]}
    return {alias: str(best)}
