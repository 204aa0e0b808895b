"""ArcGIS FeatureServer layer: ``<layer>/query`` with ``where``, ``outFields=*``, ``resultOffset`` /
``resultRecordCount`` and ``f=json`` or ``geojson``, until the answer no longer says
``exceededTransferLimit``.

The layer's description (``<layer>?f=json``) gives each field's type and alias. With ``column_names =
"export"`` the rows carry the aliases (the names a person gave the columns, as a CSV download shows
them), with ``api`` the field names; for most layers the two are the same. ArcGIS writes a date as
milliseconds since 1970 in UTC; the adapter writes it as ISO 8601 UTC (``2017-12-28T05:36:22Z``),
which the profile's ``ISO8601`` format reads and converts to the city's zone. A point geometry adds
``geometry.x`` and ``geometry.y`` columns. ArcGIS reports errors inside a 200 answer
(``{"error": {...}}``): they fail the fetch with the server's message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from .base import Page, SourceError, cells, parse_json, parse_time, readable_url

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_from_ms(value) -> str:
    """ArcGIS epoch milliseconds as ISO 8601 UTC (milliseconds kept when there are any)."""
    moment = EPOCH + timedelta(milliseconds=value)
    return moment.isoformat(timespec="milliseconds" if value % 1000 else "seconds").replace("+00:00", "Z")


def _timestamp(text: str) -> str:
    """A watermark or date as an ArcGIS SQL literal, in UTC."""
    return parse_time(text).astimezone(UTC).strftime("TIMESTAMP '%Y-%m-%d %H:%M:%S'")


def _literal(value) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


class ArcGis:
    ordered = True

    def __init__(self, profile, base_url: str, client, now=None):
        src = profile.source
        self.client, self.wm, self.fmt = client, src["watermark"], src["format"]
        self.filters, self.start = src["filters"], src["start"]
        self.requested = profile.columns["requested_datetime"]
        self.layer = base_url.rstrip("/")
        info = self._answer(self.layer, {"f": "json"}, None)
        if not isinstance(info.get("fields"), list):
            raise SourceError(readable_url(self.layer, {"f": "json"}), "layer description has no fields", page=None)
        self.fields = {f["name"]: f.get("type", "") for f in info["fields"]}
        self.dates = {n for n, t in self.fields.items() if t == "esriFieldTypeDate"}
        export = src["column_names"] == "export"
        self.names = {f["name"]: (f.get("alias") or f["name"]) if export else f["name"] for f in info["fields"]}
        self.requested = next((n for n, alias in self.names.items() if alias == self.requested), self.requested)
        self.oid = info.get("objectIdField") or "OBJECTID"
        self.size = min(src["page_size"], int(info.get("maxRecordCount") or src["page_size"]))

    def _answer(self, url: str, params: dict, number: int | None) -> dict:
        return self._answer_of(self.client.get(url, params, page=number), readable_url(url, params), number)

    def _where(self, lower: str | None) -> str:
        conditions = [f"{self.wm} >= {_timestamp(lower)}"] if lower else []
        if self.start:
            conditions.append(f"{self.requested} >= {_timestamp(self.start)}")
        conditions += [f"{f} = {_literal(v)}" for f, v in self.filters.items()]
        return " AND ".join(conditions) or "1=1"

    def newest(self) -> str | None:
        if not self.wm:
            return None
        stat = [{"statisticType": "max", "onStatisticField": self.wm, "outStatisticFieldName": "newest"}]
        params = {"where": self._where(None), "outStatistics": json.dumps(stat), "f": "json"}
        features = self._answer(f"{self.layer}/query", params, None).get("features") or []
        newest = features[0].get("attributes", {}).get("newest") if features else None
        return None if newest is None else iso_from_ms(newest)

    def pages(self, lower: str | None) -> Iterator[Page]:
        order = f"{self.wm} ASC,{self.oid} ASC" if self.wm else f"{self.oid} ASC"
        number, offset, url = 0, 0, f"{self.layer}/query"
        while True:
            number += 1
            params = {"where": self._where(lower), "outFields": "*", "orderByFields": order, "returnGeometry": "true"}
            params.update({"resultOffset": offset, "resultRecordCount": self.size, "f": self.fmt})
            shown = readable_url(url, params)
            body = self.client.get(url, params, page=number)
            value = self._answer_of(body, shown, number)
            features = value.get("features")
            if not isinstance(features, list):
                raise SourceError(shown, "answer has no features list", page=number)
            rows = [self._row(f, shown, number) for f in features]
            mark = self.names.get(self.wm, self.wm)
            marks = [row.get(mark, "") if self.wm else "" for row in rows]
            declared = value.get("fields")
            declared = [self.names.get(f.get("name"), f.get("name")) for f in declared] if declared else None
            yield Page(shown, body, self.fmt, rows, marks, fields=declared)
            more = value.get("exceededTransferLimit") or (value.get("properties") or {}).get("exceededTransferLimit")
            if not more or not features:
                break
            offset += len(features)

    def _answer_of(self, body: bytes, shown: str, number: int | None) -> dict:
        value = parse_json(body, shown, number)
        if isinstance(value, dict) and isinstance(value.get("error"), dict):
            error = value["error"]
            raise SourceError(shown, f"ArcGIS error {error.get('code')}: {error.get('message')}", page=number)
        if not isinstance(value, dict):
            raise SourceError(shown, "answer is not a JSON object", page=number)
        return value

    def _row(self, feature: dict, shown: str, number: int) -> dict[str, str]:
        values = feature.get("attributes") if self.fmt == "json" else feature.get("properties")
        if not isinstance(values, dict):
            raise SourceError(shown, "a feature has no attributes", page=number)
        out = {}
        for name, value in values.items():
            if name not in self.fields:
                raise SourceError(shown, "not a field of the layer (renamed at the source?)", page=number, field=name)
            out[self.names[name]] = (
                iso_from_ms(value) if name in self.dates and isinstance(value, (int, float)) else value
            )
        geometry = feature.get("geometry") or {}
        if "x" in geometry:
            out["geometry"] = {"x": geometry["x"], "y": geometry.get("y")}
        elif isinstance(geometry.get("coordinates"), list) and geometry.get("type") == "Point":
            out["geometry"] = {"x": geometry["coordinates"][0], "y": geometry["coordinates"][1]}
        return cells(out)
