"""GeoReport v2 ``GET requests.json|xml`` as a city's Open311 server answers it.

A request is built from the extract's row through the profile's mapping: the standard fields, the
status as ``open``/``closed`` (the profile's lists), times in W3C form with the city's offset. With
``extensions=true`` (Chicago style) it also has ``extended_attributes`` (channel, ward, community
area, close time) and ``notes``: opened, each status change the dataset recorded, closed.

Windows: ``start_date``/``end_date`` select by requested time and ``updated_after``/``updated_before``
by update time, both ends included; a window may span at most ``max_days`` (400 beyond), no dates
means the last ``max_days``. The answer holds at most ``cap`` requests, newest first. ``wrap`` puts
the JSON array under a key (``requests`` or ``service_requests``), as some servers do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import numpy as np

from core.open311 import REQUEST_FIELDS

from .wire import Answer, json_answer, numbers, with_offset

STANDARD = REQUEST_FIELDS
# profile field -> extended attribute (Chicago's names where Chicago has one)
EXTENDED = {"channel": "channel", "council_district": "ward", "area_code": "community_area"}
EXTENDED_TIMES = {"closed_datetime": "closed_datetime"}
WINDOWS = {"start_date": ("requested_datetime", "end_date"), "updated_after": ("updated_datetime", "updated_before")}


def error(status: int, description: str) -> Answer:
    return json_answer([{"code": status, "description": description}], status)


def _column(ds, field: str, rows: np.ndarray) -> list:
    """One GeoReport field for the rows at these positions, from the profile's column for it."""
    column = ds.profile.columns.get(field, "")
    if not column or column not in ds.frame:
        return [None] * len(rows)
    text = ds.frame[column].iloc[rows]
    if field.endswith("_datetime"):
        return with_offset(ds.typed(column).iloc[rows])
    if field in ("lat", "long"):
        return numbers(ds.typed(column).iloc[rows], text)
    if field == "status":
        status_map = ds.profile.status_map
        return [status_map.get(t.strip().casefold(), t.lower()) if t else None for t in text.tolist()]
    return [t or None for t in text.tolist()]


def records(ds, rows: np.ndarray, extensions: bool) -> list[dict]:
    columns = {field: _column(ds, field, rows) for field in STANDARD}
    out = [dict(zip(STANDARD, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    if extensions:
        present = {**EXTENDED, **EXTENDED_TIMES}
        extra = {name: _column(ds, f, rows) for f, name in present.items() if ds.profile.columns.get(f)}
        for i, rec in enumerate(out):
            rec["extended_attributes"] = {name: values[i] for name, values in extra.items()}
            rec["notes"] = notes(ds, rec)
    return out


def notes(ds, rec: dict) -> list[dict]:
    rid = rec["service_request_id"]
    out = [{"datetime": rec["requested_datetime"], "summary": "Request opened", "type": "opened"}]
    for at, before, after in ds.history.get(rid, []):
        summary = f"Status changed from {before} to {after}" if before else f"Created as {after}"
        out.append({"datetime": at.astimezone(ds.tz).isoformat(), "summary": summary, "type": "activity"})
    closed = rec["extended_attributes"].get("closed_datetime")
    if rec["status"] == "closed" and closed:
        out.append({"datetime": closed, "summary": "Request closed", "type": "closed"})
    return out


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _window(params: dict, max_days: int) -> tuple[str, datetime, datetime]:
    """(profile field the window is on, first, last); ValueError with the reason."""
    low_param = next((p for p in WINDOWS if p in params), "start_date")
    field, high_param = WINDOWS[low_param]
    high = _moment(params[high_param]) if high_param in params else datetime.now(UTC)
    low = _moment(params[low_param]) if low_param in params else high - timedelta(days=max_days)
    if high - low > timedelta(days=max_days):
        raise ValueError(f"{low_param} and {high_param} may not span more than {max_days} days")
    return field, low, high


def requests(
    ds, params: dict, fmt: str, *, cap: int, max_days: int, wrap: str, jurisdiction: str, renames=None
) -> Answer:
    """``renames``: GeoReport field -> new name, or None to leave the field out (a server's schema change)."""
    if jurisdiction and params.get("jurisdiction_id", jurisdiction) != jurisdiction:
        return error(404, f"jurisdiction_id {params['jurisdiction_id']!r} not found")
    try:
        field, low, high = _window(params, max_days)
    except ValueError as exc:
        return error(400, str(exc))
    wanted = {k: v for k, v in params.items() if k in STANDARD}
    with ds.lock:
        column = ds.profile.columns.get(field, "")
        if not column or column not in ds.frame:
            chosen = np.array([], dtype=int)
        else:
            times = ds.typed(column)
            chosen = np.flatnonzero(((times >= low) & (times <= high)).fillna(False).to_numpy())
        requested = ds.typed(ds.profile.columns["requested_datetime"]).iloc[chosen].reset_index(drop=True)
        chosen = chosen[requested.sort_values(ascending=False, kind="stable", na_position="last").index.to_numpy()]
        found = []
        for start in range(0, len(chosen), cap):  # newest first, until the cap
            batch = records(ds, chosen[start : start + cap], params.get("extensions") == "true")
            found += [r for r in batch if all(str(r.get(k)) == v for k, v in wanted.items())]
            if len(found) >= cap:
                break
        found = found[:cap]
    if renames:
        found = [{renames.get(k, k): v for k, v in r.items() if renames.get(k, k) is not None} for r in found]
    if fmt == "xml":
        return Answer(200, "text/xml; charset=utf-8", to_xml(found))
    return json_answer({wrap: found} if wrap else found)


def _element(tag: str, value) -> str:
    if value is None:
        return f"<{tag}/>"
    if isinstance(value, dict):
        inner = "".join(_element(k, v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_element(tag[:-1], v) for v in value)
    else:
        inner = escape("".join(ch for ch in str(value) if ch in "\t\n\r" or ch >= " "))
    return f"<{tag}>{inner}</{tag}>"


def to_xml(records: list[dict]) -> bytes:
    body = "".join(f"<request>{''.join(_element(k, v) for k, v in r.items())}</request>" for r in records)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<service_requests>{body}</service_requests>\n'.encode()
