"""Socrata SODA 2.x: ``/resource/<id>.json`` paged with ``$limit``/``$offset`` in a stable ``$order``.

The dataset's metadata (``/api/views/<id>.json``) names each API field (``unique_key``) as the
portal's CSV export does (``Unique Key``): with ``column_names = "export"`` the rows carry those
names, so the profile written for the export file serves the API unchanged. Values are as the API
gives them (floating timestamps ``2023-02-28T23:45:00.000``: the profile's ``ISO8601`` format reads
them in its time zone), except a location, which is written as the export writes it: ``(lat, long)``
for the legacy location type, ``POINT (long lat)`` for a point. The system fields (``:id``,
``:updated_at``, ...) come with every row, so ``:updated_at`` can be the watermark.

Incremental: ``$where <watermark> >= '<lower>'`` ordered by the watermark then ``:id``. The metadata
is read again after the last page: a column renamed or dropped during the fetch fails it.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Page, SourceError, cells, parse_json, readable_url, records_of


def _quote(value) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def _location(value, kind: str):
    """A location or point object as the CSV export writes it; anything else unchanged."""
    if kind == "location" and isinstance(value, dict):
        lat, lon = value.get("latitude"), value.get("longitude")
        return f"({lat}, {lon})" if lat not in (None, "") and lon not in (None, "") else ""
    if kind == "point" and isinstance(value, dict) and isinstance(value.get("coordinates"), list):
        x, y = value["coordinates"][:2]
        return f"POINT ({x} {y})"
    return value


class Socrata:
    ordered = True

    def __init__(self, profile, base_url: str, client, now=None):
        src = profile.source
        self.client, self.size, self.wm = client, src["page_size"], src["watermark"]
        self.filters, self.start = src["filters"], src["start"]
        base = base_url.rstrip("/")
        self.resource = f"{base}/resource/{src['dataset']}.json"
        self.views = f"{base}/api/views/{src['dataset']}.json"
        self.meta = self._metadata(None)
        self.export = src["column_names"] == "export"
        self.requested = self._field_of(profile.columns["requested_datetime"])

    def _metadata(self, page: int | None) -> dict[str, tuple[str, str]]:
        """API field name -> (export column name, data type), from /api/views/<id>.json."""
        value = parse_json(self.client.get(self.views, page=page), self.views, page)
        columns = value.get("columns") if isinstance(value, dict) else None
        if not isinstance(columns, list):
            raise SourceError(self.views, "metadata has no 'columns' list: is this a Socrata dataset id?", page=page)
        return {c["fieldName"]: (c.get("name") or c["fieldName"], c.get("dataTypeName", "")) for c in columns}

    def _field_of(self, column: str) -> str:
        """The API field of a column as the profile names it."""
        if not self.export:
            return column
        return next((f for f, (name, _t) in self.meta.items() if name == column), column)

    def _where(self, lower: str | None) -> str:
        conditions = [f"{self.wm} >= {_quote(lower)}"] if lower else []
        if self.start:
            conditions.append(f"{self.requested} >= {_quote(self.start)}")
        conditions += [f"{field} = {_quote(value)}" for field, value in self.filters.items()]
        return " AND ".join(conditions)

    def newest(self) -> str | None:
        if not self.wm:
            return None
        params = {"$select": f"max({self.wm}) AS newest"}
        if where := self._where(None):
            params["$where"] = where
        value = parse_json(self.client.get(self.resource, params), readable_url(self.resource, params), None)
        rows = records_of(value, readable_url(self.resource, params), None)
        return str(rows[0]["newest"]) if rows and rows[0].get("newest") is not None else None

    def pages(self, lower: str | None) -> Iterator[Page]:
        order = f"{self.wm} ASC, :id ASC" if self.wm else ":id ASC"
        where, number, offset = self._where(lower), 0, 0
        while True:
            number += 1
            params = {"$select": ":*, *", "$order": order, "$limit": self.size, "$offset": offset}
            if where:
                params["$where"] = where
            url = readable_url(self.resource, params)
            body = self.client.get(self.resource, params, page=number)
            records = records_of(parse_json(body, url, number), url, number)
            rows = [self._row(rec, url, number) for rec in records]
            marks = [str(rec.get(self.wm, "")) if self.wm else "" for rec in records]
            yield Page(url, body, "json", rows, marks, fields=[name for name, _t in self.meta.values()])
            if len(records) < self.size:
                break
            offset += self.size
        self._same_columns(number)

    def _row(self, rec: dict, url: str, number: int) -> dict[str, str]:
        out = {}
        for key, value in rec.items():
            if key.startswith(":"):
                out[key] = value
                continue
            if key not in self.meta:
                raise SourceError(
                    url,
                    "not a column of the dataset's metadata (renamed at the source during the fetch?)",
                    page=number,
                    field=key,
                )
            name, kind = self.meta[key]
            out[name if self.export else key] = _location(value, kind)
        return cells(out)

    def _same_columns(self, number: int) -> None:
        now = self._metadata(number)
        for field, (name, _kind) in self.meta.items():
            if field not in now:
                raise SourceError(
                    self.views,
                    f"column removed or renamed at the source during the fetch (it was there at the start; "
                    f"now: {', '.join(sorted(set(now) - set(self.meta))) or 'no new column'})",
                    page=number,
                    field=name if self.export else field,
                )
