"""What every source adapter shares: the error it raises, the page it yields, cells and watermarks.

An adapter (socrata, open311, ckan, arcgis) only turns the source's answers into raw rows, a page at
a time, and reads each row's watermark; mapping, privacy and validation are the same code for every
source. A row is a ``dict`` of raw column -> text, as a reader of the city's export file would give
it (see ``cells``), so one profile's ``[columns]`` serves the file and the API alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..errors import EtlError


class SourceError(EtlError):
    """A source that cannot be fetched: one line naming the URL, the page and the field."""

    def __init__(self, url: str, problem: str, *, page: int | None = None, field: str | None = None):
        super().__init__(url if page is None else f"{url}, page {page}", problem, field=field)
        self.path, self.url, self.page = str(url), str(url), page


@dataclass
class Page:
    """One answer of the source: its raw bytes (kept as they came) and the rows read from them."""

    url: str  # the request, readable (parameters not percent-encoded), never with a token
    body: bytes
    suffix: str  # file suffix of the raw answer: json, geojson or xml
    rows: list[dict[str, str]]
    watermarks: list[str]  # each row's watermark as the source wrote it ('' when it has none)
    fields: list[str] | None = None  # the columns the answer itself declares (CKAN, ArcGIS json), else None


class Adapter(Protocol):
    """A source kind. ``pages`` yields the answers from ``lower`` (a watermark, or None for everything)."""

    ordered: bool  # rows come in watermark order (so a row older than the one before is a fault)

    def newest(self) -> str | None:
        """The newest watermark at the source, or None when the source cannot say."""

    def pages(self, lower: str | None) -> Iterator[Page]: ...


@dataclass
class Counter:
    """Requests made and retries needed during one fetch."""

    requests: int = 0
    retries: int = 0
    waits: list[float] = field(default_factory=list)


def readable_url(url: str, params: dict | None = None) -> str:
    """``url?k=v&...`` as a person reads it in an error message (the real request is percent-encoded)."""
    if not params:
        return url
    return url + "?" + "&".join(f"{k}={v}" for k, v in params.items())


# --- cells ------------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cells(record: dict) -> dict[str, str]:
    """A JSON record as raw cells: every value text ('' for null), nested values kept as JSON text.

    A nested object is also spread into ``key.member`` cells, so a profile can map a member such as
    ``extended_attributes.channel`` (Open311) the same way from a file and from an API answer.
    """
    out: dict[str, str] = {}
    for key, value in record.items():
        out[key] = _text(value)
        if isinstance(value, dict):
            for sub, text in cells(value).items():
                out[f"{key}.{sub}"] = text
    return out


# --- watermarks -------------------------------------------------------------------------------------


def watermark_key(text: str):
    """A sort key for a watermark: ISO 8601 times compare as times (in UTC when they carry an offset),
    numbers as numbers, anything else as text."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        return (0, moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment)
    try:
        return (1, float(text))
    except ValueError:
        return (2, text)


def newest_of(values) -> str | None:
    """The newest of some watermarks (blank ones ignored), as written; None when there is none."""
    best = None
    for v in values:
        if v and (best is None or watermark_key(v) > watermark_key(best)):
            best = v
    return best


def shift_watermark(text: str, seconds: int) -> str:
    """``text`` moved ``seconds`` earlier, written the same way (fraction, offset or Z kept).
    A watermark that is not a time (a number, a version) is returned unchanged."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    earlier = moment - timedelta(seconds=seconds)
    out = earlier.isoformat(timespec="milliseconds" if "." in text else "seconds")
    return out.replace("+00:00", "Z") if text.endswith("Z") else out


def parse_time(text: str, tz=UTC) -> datetime:
    """An ISO 8601 date or time; a naive one is in ``tz``."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


# --- answers ----------------------------------------------------------------------------------------

# Keys under which an object wraps the array of records (GeoReport v2 servers, CKAN answers).
WRAPPER_KEYS = ("requests", "service_requests", "records")


def parse_json(body: bytes, url: str, page: int | None):
    """The JSON value of an answer, or a SourceError saying how it is not JSON (cut short, HTML...)."""
    try:
        text = body.decode("utf-8-sig")
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise SourceError(url, f"answer is not UTF-8 text (byte {exc.start})", page=page) from None
    except json.JSONDecodeError as exc:
        cut = " (cut short?)" if exc.pos >= len(text.rstrip()) else ""
        raise SourceError(
            url,
            f"answer is not JSON{cut}: {exc.msg} at character {exc.pos} of {len(text)}; it begins {text[:60]!r}",
            page=page,
        ) from None


def records_of(value, url: str, page: int | None) -> list[dict]:
    """The records of an answer: a JSON array, or an object wrapping it under a WRAPPER_KEYS key."""
    if isinstance(value, dict):
        key = next((k for k in WRAPPER_KEYS if isinstance(value.get(k), list)), None)
        if key is None:
            raise SourceError(
                url,
                f"answer is a JSON object with keys {', '.join(list(value)[:6])}; expected an array of records "
                'or an object wrapping one ({"requests": [...]} or {"service_requests": [...]})',
                page=page,
            )
        value = value[key]
    if not isinstance(value, list):
        raise SourceError(url, f"answer is a JSON {type(value).__name__}, not an array of records", page=page)
    for i, rec in enumerate(value, 1):
        if not isinstance(rec, dict):
            raise SourceError(url, f"record {i} is a JSON {type(rec).__name__}, not an object", page=page)
    return value
