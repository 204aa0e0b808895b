"""CKAN DataStore: ``datastore_search`` (``filters``, ``sort``, ``limit``/``offset``) for a full fetch,
``datastore_search_sql`` when a lower watermark or ``source.start`` needs a ``>=`` the search cannot say.

A DataStore resource keeps the column names of the file it was loaded from, so the profile written
for that file maps the API rows unchanged. Every answer declares its ``fields``; a mapped field that
leaves them between pages fails the fetch (checked in etl.sources.checks).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from .base import Page, SourceError, cells, parse_json, readable_url


def _literal(value) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def _name(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'


class Ckan:
    ordered = True

    def __init__(self, profile, base_url: str, client, now=None):
        src = profile.source
        self.client, self.size, self.wm = client, src["page_size"], src["watermark"]
        self.resource, self.filters, self.start = src["dataset"], src["filters"], src["start"]
        self.requested = profile.columns["requested_datetime"]
        self.action = f"{base_url.rstrip('/')}/api/3/action/"

    def _result(self, action: str, params: dict, number: int | None) -> tuple[bytes, dict]:
        """The raw answer and its ``result``."""
        url = readable_url(self.action + action, params)
        body = self.client.get(self.action + action, params, page=number)
        value = parse_json(body, url, number)
        if not isinstance(value, dict) or value.get("success") is not True or not isinstance(value.get("result"), dict):
            error = value.get("error") if isinstance(value, dict) else None
            said = error.get("message") if isinstance(error, dict) else None
            raise SourceError(url, f"CKAN did not succeed: {said or str(value)[:120]}", page=number)
        result = value["result"]
        if not isinstance(result.get("records"), list):
            raise SourceError(url, "CKAN answer has no result.records list", page=number)
        return body, result

    def _sql(self, select: str, lower: str | None, tail: str = "") -> str:
        conditions = [f"{_name(self.wm)} >= {_literal(lower)}"] if lower else []
        if self.start:
            conditions.append(f"{_name(self.requested)} >= {_literal(self.start)}")
        conditions += [f"{_name(f)} = {_literal(v)}" for f, v in self.filters.items()]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"SELECT {select} FROM {_name(self.resource)}{where}{tail}"

    def newest(self) -> str | None:
        if not self.wm:
            return None
        sql = self._sql(f"max({_name(self.wm)}) AS newest", None)
        rows = self._result("datastore_search_sql", {"sql": sql}, None)[1]["records"]
        return str(rows[0]["newest"]) if rows and rows[0].get("newest") is not None else None

    def _params(self, lower: str | None, offset: int) -> tuple[str, dict]:
        order = [self.wm, "_id"] if self.wm else ["_id"]
        if lower or self.start:
            tail = f" ORDER BY {', '.join(_name(f) for f in order)} LIMIT {self.size} OFFSET {offset}"
            return "datastore_search_sql", {"sql": self._sql("*", lower, tail)}
        params = {"resource_id": self.resource, "limit": self.size, "offset": offset}
        params["sort"] = ", ".join(f"{f} asc" for f in order)
        if self.filters:
            params["filters"] = json.dumps(self.filters, ensure_ascii=False)
        return "datastore_search", params

    def pages(self, lower: str | None) -> Iterator[Page]:
        number, offset = 0, 0
        while True:
            number += 1
            action, params = self._params(lower, offset)
            body, result = self._result(action, params, number)
            records = result["records"]
            fields = [f.get("id") for f in result.get("fields", []) if isinstance(f, dict)]
            rows = [cells(rec) for rec in records]
            marks = [row.get(self.wm, "") if self.wm else "" for row in rows]
            url = readable_url(self.action + action, params)
            yield Page(url, body, "json", rows, marks, fields=fields or None)
            if len(records) < self.size:
                break
            offset += self.size
