"""Open311 GeoReport v2: ``requests.json`` (or ``requests.xml``) asked in date windows.

GeoReport v2 has no paging: a server answers at most a window (90 days) and a cap of requests
(often 1,000). The client walks from ``lower`` (or ``source.start``) to now in windows of
``window_days``; a window whose answer holds ``page_size`` requests or more may be cut, so it is split
in two and each half asked again, down to one second. Windows are sent as inclusive UTC times; a
row exactly on a window's end belongs to the next window and is dropped from this one, so no row is
read twice and none is lost whatever precision the server keeps. A row outside the window asked
is a fault of the server (it ignored the window).

Records are read as from a file in the Open311 layout (a JSON array, an object wrapping it, or
XML), so ``extended_attributes.channel`` and ``notes`` are the same columns either way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .base import Page, SourceError, cells, parse_json, parse_time, readable_url, records_of
from .xml import XmlBroken, XmlRefused, iter_xml_records

ONE_SECOND = timedelta(seconds=1)


def _w3(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _second(moment: datetime) -> datetime:
    """Window bounds are whole seconds in UTC, as they are sent (in UTC a day is always 24 hours)."""
    return moment.astimezone(UTC).replace(microsecond=0)


class Open311:
    ordered = False

    def __init__(self, profile, base_url: str, client, now: datetime):
        src = profile.source
        self.client, self.size, self.fmt = client, src["page_size"], src["format"]
        self.url = f"{base_url.rstrip('/')}/requests.{self.fmt}"
        self.span = timedelta(days=src["window_days"])
        self.params = src["window_params"]
        self.field = src["watermark"] or "requested_datetime"
        self.marked = bool(src["watermark"])
        self.tz = ZoneInfo(profile.timezone)
        self.start, self.now = parse_time(src["start"], self.tz), now
        self.id_column = profile.columns["service_request_id"]
        self.extra = {k: v for k, v in src["filters"].items()}
        if src["jurisdiction_id"]:
            self.extra["jurisdiction_id"] = src["jurisdiction_id"]
        if src["extensions"]:
            self.extra["extensions"] = "true"

    def newest(self) -> str | None:
        return None  # GeoReport v2 has no way to ask

    def pages(self, lower: str | None) -> Iterator[Page]:
        moment = _second(parse_time(lower, self.tz) if lower else self.start)
        end, windows = _second(self.now), deque()
        while moment < end:
            windows.append((moment, min(moment + self.span, end)))
            moment += self.span
        number = 0
        while windows:
            low, high = windows.popleft()
            params = {self.params[0]: _w3(low), self.params[1]: _w3(high), **self.extra}
            url = readable_url(self.url, params)
            body = self.client.get(self.url, params, page=number + 1)
            records = self._records(body, url, number + 1)
            if len(records) >= self.size:
                if high - low <= ONE_SECOND:
                    raise SourceError(
                        url,
                        f"{len(records)} requests in one second reach source.page_size ({self.size}): "
                        "the window cannot be split further",
                        page=number + 1,
                    )
                middle = _second(low + (high - low) / 2)
                windows.extendleft([(middle, high), (low, middle)])
                continue
            number += 1
            rows = self._rows(records, low, high, last=not windows, url=url, number=number)
            marks = [r.get(self.field, "") if self.marked else "" for r in rows]
            yield Page(url, body, self.fmt, rows, marks)

    def _records(self, body: bytes, url: str, number: int) -> list[dict]:
        if self.fmt == "json":
            return records_of(parse_json(body, url, number), url, number)
        try:
            records = list(iter_xml_records([body]))
        except (XmlBroken, XmlRefused) as exc:
            raise SourceError(url, f"answer is not GeoReport XML: {exc}", page=number) from None
        for i, rec in enumerate(records, 1):
            if not isinstance(rec, dict):
                raise SourceError(url, f"record {i} has no fields", page=number)
        return records

    def _rows(self, records, low, high, *, last, url, number) -> list[dict[str, str]]:
        rows = []
        for rec in records:
            row = cells(rec)
            text = row.get(self.field, "")
            try:
                moment = parse_time(text, self.tz)
            except ValueError:
                raise SourceError(
                    url,
                    f"row id {row.get(self.id_column)!r} has no ISO 8601 time: {text!r}",
                    page=number,
                    field=self.field,
                ) from None
            if moment < low or moment > high:
                raise SourceError(
                    url,
                    f"row id {row.get(self.id_column)!r} has {text}, outside the window asked ({_w3(low)} to "
                    f"{_w3(high)}): the server ignored the window",
                    page=number,
                    field=self.field,
                )
            if moment < high or last:
                rows.append(row)
        return rows
