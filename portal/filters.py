"""Filters and view choices <-> URL query parameters, with every value validated.

A view is a shareable permalink: ``/map?type=pothole&type=graffiti&status=open&from=2024-03-01
&to=2024-03-31&nbhd=N1&measure=backlog&lang=es``. Parsing never fails: each unknown or malformed
value is dropped and explained in a message (a ``Msg``: English text, shown in the visitor's
language on the pages), and the rest is kept. The query API (``/api/requests.csv``) parses the same
parameters with the same function and answers 400 with those messages instead of dropping anything,
so an API URL and a permalink with the same parameters select the same rows. The value parsers at
the end (``parse_bbox``, ``parse_w3c``, ``parse_paging``, ...) serve Open311 and the feeds
(``portal.georeport``, ``portal.feeds``); each raises ``ValueError`` with the (English) message a client sees.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from portal.i18n import N_, Msg
from portal.text import plain, quoted

STATUSES = {"open": N_("Open"), "closed": N_("Marked closed"), "overdue": N_("Open and overdue")}
MEASURES = {"count": N_("Requests"), "backlog": N_("Open backlog"), "median_days": N_("Median days to close")}
PERIODS = {"30": N_("Last 30 days"), "90": N_("Last 90 days"), "365": N_("Last 365 days"), "all": N_("Whole release")}
MAX_VALUE_LEN = 120
MAX_TYPES = 50
MAX_ID_LEN = 64
# The Data page's parameters; the query API takes these plus its paging (API_PAGING).
DASHBOARD_PARAMS = {
    "type": "Request type (service_code); repeat the parameter for several types.",
    "status": "open, closed (marked closed) or overdue (open and past its expected date or target).",
    "from": "First day requested, YYYY-MM-DD in the city's time zone.",
    "to": "Last day requested, YYYY-MM-DD in the city's time zone (that whole day is included).",
    "nbhd": "Neighborhood code (neighborhood_code).",
}
API_PAGING = {
    "page": "Page number, from 1.",
    "page_size": "Rows per page (default 1,000; at most the server's max_page_size, 5,000 by default).",
}

Params = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Filters:
    """What subset of requests a view shows. Empty fields mean "no restriction"."""

    service_codes: tuple[str, ...] = ()
    status: str | None = None
    start: date | None = None
    end: date | None = None
    neighborhood: str | None = None
    # Only the open interfaces (Open311, feeds) set these; the dashboard never does.
    bbox: tuple[float, float, float, float] | None = None  # min_long, min_lat, max_long, max_lat
    after: datetime | None = None  # requested at or after this instant (naive UTC)
    before: datetime | None = None  # requested at or before this instant (naive UTC)

    @property
    def active(self) -> int:
        """How many filters are set (the dates count as one)."""
        return sum(bool(v) for v in (self.service_codes, self.status, self.start or self.end, self.neighborhood))

    def to_params(self) -> dict[str, str | list[str]]:
        """Query parameters for this view (only the set fields)."""
        params: dict[str, str | list[str]] = {}
        if self.service_codes:
            params["type"] = list(self.service_codes)
        if self.status:
            params["status"] = self.status
        if self.start:
            params["from"] = self.start.isoformat()
        if self.end:
            params["to"] = self.end.isoformat()
        if self.neighborhood:
            params["nbhd"] = self.neighborhood
        return params

    def to_dict(self) -> dict:
        """A JSON-able dict (dates as ISO strings)."""
        return {
            "service_codes": list(self.service_codes),
            "status": self.status,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "neighborhood": self.neighborhood,
        }


@dataclass(frozen=True)
class Vocabulary:
    """The values a filter may take in the current release."""

    service_codes: Collection[str] = ()
    neighborhoods: Collection[str] = ()
    first_day: date | None = None
    last_day: date | None = None


@dataclass
class Parsed:
    filters: Filters
    messages: list[Msg] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # the parameter of each message, in order


def values(params: Params, key: str) -> list[str]:
    """All values of ``key`` (a repeated parameter or a single string)."""
    raw = params.get(key)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [plain(v).strip() for v in items if plain(v).strip()]


def _one(params: Params, key: str) -> str | None:
    found = values(params, key)
    return found[-1] if found else None


DAY_MESSAGES = {  # (unreadable, outside the release) for the start and the end date
    "from": (
        N_("Ignored the start date {value}: use YYYY-MM-DD."),
        N_("Ignored the start date {value}: the release covers {first} to {last}."),
    ),
    "to": (
        N_("Ignored the end date {value}: use YYYY-MM-DD."),
        N_("Ignored the end date {value}: the release covers {first} to {last}."),
    ),
}


def _parse_day(text: str | None, key: str, vocab: Vocabulary, messages: list[Msg]) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text[:10]) if len(text) <= MAX_VALUE_LEN else None
    except ValueError:
        day = None
    unreadable, outside = DAY_MESSAGES[key]
    if day is None:
        messages.append(Msg(unreadable, {"value": quoted(text)}))
        return None
    if (vocab.first_day and day < vocab.first_day) or (vocab.last_day and day > vocab.last_day):
        span = {"first": str(vocab.first_day), "last": str(vocab.last_day)}
        messages.append(Msg(outside, {"value": day.isoformat(), **span}))
        return None
    return day


def _parse_codes(params: Params, vocab: Vocabulary, messages: list[Msg]) -> tuple[str, ...]:
    codes: list[str] = []
    for code in values(params, "type"):
        if code in vocab.service_codes and code not in codes and len(codes) < MAX_TYPES:
            codes.append(code)
        elif code not in codes:
            messages.append(Msg(N_("Ignored unknown request type {value}."), {"value": quoted(code)}))
    return tuple(codes)


def parse_filters(params: Params, vocab: Vocabulary) -> Parsed:
    """Validated ``Filters`` from query parameters, plus a message per dropped value (and the
    parameter it was given in: ``rejected``)."""
    messages: list[Msg] = []
    rejected: list[str] = []

    def seen(key: str) -> None:  # the messages added since the last call were about ``key``
        rejected.extend([key] * (len(messages) - len(rejected)))

    codes = _parse_codes(params, vocab, messages)
    seen("type")
    status = _one(params, "status")
    if status is not None and status not in STATUSES:
        unknown = N_("Ignored unknown status {value}; use open, closed or overdue.")
        messages.append(Msg(unknown, {"value": quoted(status)}))
        status = None
    seen("status")
    start = _parse_day(_one(params, "from"), "from", vocab, messages)
    seen("from")
    end = _parse_day(_one(params, "to"), "to", vocab, messages)
    seen("to")
    if start and end and start > end:
        dates = {"start": str(start), "end": str(end)}
        messages.append(Msg(N_("Ignored the dates: the start {start} is after the end {end}."), dates))
        start = end = None
    seen("from")
    nbhd = _one(params, "nbhd")
    if nbhd is not None and nbhd not in vocab.neighborhoods:
        messages.append(Msg(N_("Ignored unknown neighborhood {value}."), {"value": quoted(nbhd)}))
        nbhd = None
    seen("nbhd")
    return Parsed(Filters(codes, status, start, end, nbhd), messages, rejected)


def parse_choice(
    params: Params, key: str, choices: Mapping[str, str] | Collection[str], default: str
) -> tuple[str, list[Msg]]:
    """One value from a fixed set (e.g. ``measure``), or the default with a message."""
    value = _one(params, key)
    if value is None:
        return default, []
    if value in choices:
        return value, []
    text = N_("Ignored the unknown value {value} of “{key}” in the link; showing {default}.")
    return default, [Msg(text, {"key": key, "value": quoted(value), "default": default})]


def clean_request_id(raw: str | None) -> tuple[str | None, Msg | None]:
    """``(id, None)`` for a usable request id, else ``(None, message)``.

    Ids are trimmed and at most 64 characters. The id is only ever used as a bound
    parameter, so quotes and SQL are harmless; they simply match nothing. How an id typed in
    another case or with punctuation around it is found: ``portal.track.id_candidates``.
    """
    if raw is None or not str(raw).strip():
        return None, None
    text = str(raw).strip()
    if len(text) > MAX_ID_LEN:
        too_long = N_("A request id has at most {limit} characters; {value} is longer.")
        return None, Msg(too_long, {"limit": MAX_ID_LEN, "value": quoted(text)})
    if plain(text) != text:
        return None, Msg(N_("That request id contains control characters; please check it."))
    return text, None


# --- values of the open interfaces: Open311, feeds, the query API's paging ----------------------------

_W3C = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})")
MAX_PAGE = 1_000_000


def listed(params: Params, key: str) -> list[str]:
    """Every value of ``key``, repeated or comma separated (``a,b&key=c`` -> a, b, c), in order."""
    return [part.strip() for raw in values(params, key) for part in raw.split(",") if part.strip()]


def parse_w3c(text: str, key: str) -> datetime:
    """A W3C datetime with its time zone (``2024-03-01T00:00:00Z``, ``...T08:15-05:00``) as naive
    UTC. Open311 requires the zone, so a value without one is refused rather than guessed."""
    bad = f"{key} {quoted(text)} is not a W3C datetime with a time zone, e.g. 2024-03-01T00:00:00Z."
    if len(text) > 40 or not _W3C.fullmatch(text):
        raise ValueError(bad)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(bad) from None
    return value.astimezone(UTC).replace(tzinfo=None)


def parse_bbox(text: str, key: str = "bbox") -> tuple[float, float, float, float]:
    """``min_long,min_lat,max_long,max_lat`` in WGS 84 degrees, each minimum at most its maximum."""
    parts = text.split(",")
    form = f"{key} takes four numbers: min_long,min_lat,max_long,max_lat"
    if len(parts) != 4 or len(text) > MAX_VALUE_LEN:
        raise ValueError(f"{form}; got {quoted(text)}.")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"{form}; {quoted(text)} holds something else.") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValueError(f"{form}; {quoted(text)} is not finite.")
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(f"{key} {quoted(text)} is outside -180..180, -90..90 or has a minimum above its maximum.")
    return west, south, east, north


def parse_int(params: Params, key: str, default: int, low: int, high: int) -> int:
    """One whole number in ``[low, high]``; ``default`` when the parameter is absent or blank."""
    text = _one(params, key)
    if text is None:
        return default
    if not re.fullmatch(r"\d{1,12}", text):
        raise ValueError(f"{key} must be a whole number from {low:,} to {high:,}; got {quoted(text)}.")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{key} must be from {low:,} to {high:,}; got {number:,}.")
    return number


def parse_paging(params: Params, default_size: int, max_size: int) -> tuple[int, int, list[str]]:
    """``(page, page_size, messages)`` from ``page`` (from 1) and ``page_size`` (1 to ``max_size``)."""
    messages = []
    page, size = 1, default_size
    try:
        page = parse_int(params, "page", 1, 1, MAX_PAGE)
    except ValueError as exc:
        messages.append(str(exc))
    try:
        size = parse_int(params, "page_size", default_size, 1, max_size)
    except ValueError as exc:
        messages.append(str(exc))
    return page, size, messages


def unknown_params(params: Params, known: Collection[str]) -> list[str]:
    """A message per parameter that is not in ``known`` (a misspelt filter must not be ignored)."""
    extra = [key for key in params if key not in known]
    return [f"Unknown parameter {quoted(key)}; this address takes {', '.join(sorted(known))}." for key in extra]
