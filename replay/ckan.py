"""CKAN DataStore: ``datastore_search`` and ``datastore_search_sql`` as CKAN answers them.

A DataStore table keeps the loaded file's column names, plus ``_id``. Types: ``timestamp`` (written
``2017-12-27T13:36:22``, local time), ``int``, ``numeric`` (JSON numbers) and ``text``; an empty
value is ``null``. ``datastore_search`` takes ``resource_id``, ``limit`` (at most ``max_limit``),
``offset``, ``sort`` and ``filters`` (a JSON object of equalities). ``datastore_search_sql`` takes
``SELECT * | max("col") AS name FROM "<resource id>" [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET m]``.
"""

from __future__ import annotations

import json
import re

import numpy as np

from .query import Condition, QueryError, parse_order, parse_where, select
from .wire import Answer, json_answer, naive, numbers

TYPES = {"datetime": "timestamp", "integer": "int", "number": "numeric", "location": "text", "text": "text"}
SQL = re.compile(
    r'\s*SELECT\s+(?P<select>.+?)\s+FROM\s+"(?P<table>[^"]+)"(?:\s+WHERE\s+(?P<where>.+?))?'
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?(?:\s+LIMIT\s+(?P<limit>\d+))?(?:\s+OFFSET\s+(?P<offset>\d+))?\s*;?\s*",
    re.I | re.S,
)
MAX = re.compile(r'\s*max\(\s*"(?P<col>[^"]+)"\s*\)\s+AS\s+"?(?P<alias>\w+)"?\s*', re.I)


def error(status: int, kind: str, message: str, action: str) -> Answer:
    help_url = f"/api/3/action/help_show?name={action}"
    return json_answer({"help": help_url, "success": False, "error": {"message": message, "__type": kind}}, status)


def names(ds) -> dict[str, str]:
    return {**{c.name: c.name for c in ds.columns}, "_id": ":index"}


def fields(ds) -> list[dict]:
    return [{"id": "_id", "type": "int"}] + [{"id": c.name, "type": TYPES[c.kind]} for c in ds.columns]


def _cells(ds, column, rows: np.ndarray) -> list:
    text = ds.frame[column.name].iloc[rows]
    if column.kind == "datetime":
        return naive(ds.typed(column.name).iloc[rows])
    if column.kind in ("integer", "number"):
        return numbers(ds.typed(column.name).iloc[rows], text)
    return [t or None for t in text.tolist()]


def records(ds, rows: np.ndarray) -> list[dict]:
    """The rows at these positions as the DataStore writes them (``_id`` first, null for empty)."""
    columns = {"_id": (rows + 1).tolist(), **{c.name: _cells(ds, c, rows) for c in ds.columns}}
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _ok(action: str, result: dict) -> Answer:
    return json_answer({"help": f"/api/3/action/help_show?name={action}", "success": True, "result": result})


def search(ds, params: dict, max_limit: int) -> Answer:
    action = "datastore_search"
    if params.get("resource_id") != ds.dataset_id:
        return error(404, "Not Found Error", "Resource was not found.", action)
    try:
        limit, offset = int(params.get("limit", 100)), int(params.get("offset", 0))
        if limit > max_limit:
            raise QueryError(f"limit may not exceed {max_limit}")
        wanted = json.loads(params.get("filters") or "{}")
        conditions = [Condition(f, "=", str(v), False) for f, v in wanted.items()]
        order = parse_order(params.get("sort", "_id asc"))
        rows = select(ds, conditions, order, names(ds), ds.tz)
    except (QueryError, ValueError) as exc:
        return error(409, "Validation Error", str(exc), action)
    result = {"resource_id": ds.dataset_id, "fields": fields(ds), "total": len(rows), "limit": limit, "offset": offset}
    result["records"] = records(ds, rows[offset : offset + limit])
    return _ok(action, result)


def search_sql(ds, params: dict) -> Answer:
    action, sql = "datastore_search_sql", params.get("sql", "")
    m = SQL.fullmatch(sql)
    if not m:
        return error(409, "Validation Error", f"cannot run this SQL: {sql[:80]!r}", action)
    if m["table"] != ds.dataset_id:
        return error(409, "Validation Error", f'relation "{m["table"]}" does not exist', action)
    try:
        rows = select(ds, parse_where(m["where"] or ""), parse_order(m["order"] or "_id"), names(ds), ds.tz)
        offset = int(m["offset"] or 0)
        rows = rows[offset : offset + int(m["limit"])] if m["limit"] else rows[offset:]
        if agg := MAX.fullmatch(m["select"]):
            found = [_max(ds, rows, agg["col"], agg["alias"])]
        elif m["select"].strip() == "*":
            found = records(ds, rows)
        else:
            raise QueryError(f"unsupported select {m['select']!r}")
    except QueryError as exc:
        return error(409, "Validation Error", str(exc), action)
    return _ok(action, {"records": found, "fields": fields(ds), "sql": sql})


def _max(ds, rows: np.ndarray, column: str, alias: str) -> dict:
    if column not in names(ds):
        raise QueryError(f'column "{column}" does not exist')
    values = ds.typed(names(ds)[column]).iloc[rows].reset_index(drop=True)
    if values.isna().all():
        return {alias: None}
    found = records(ds, rows[[int(values.idxmax())]])[0]
    return {alias: found["_id"] if column == "_id" else found[column]}
