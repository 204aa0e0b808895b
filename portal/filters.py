"""Filters and view choices <-> URL query parameters, with every value validated.

A view is a shareable permalink: ``/map?type=pothole&type=graffiti&status=open&from=2024-03-01
&to=2024-03-31&nbhd=N1&measure=backlog``. Parsing never fails: each unknown or malformed value
is dropped and explained in a message, and the rest of the view is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from portal.text import plain, quoted

STATUSES = {"open": "Open", "closed": "Marked closed", "overdue": "Open and overdue"}
MEASURES = {"count": "Requests", "backlog": "Open backlog", "median_days": "Median days to close"}
PERIODS = {"30": "Last 30 days", "90": "Last 90 days", "365": "Last 365 days", "all": "Whole release"}
MAX_VALUE_LEN = 120
MAX_TYPES = 50
MAX_ID_LEN = 64

Params = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Filters:
    """What subset of requests a view shows. Empty fields mean "no restriction"."""

    service_codes: tuple[str, ...] = ()
    status: str | None = None
    start: date | None = None
    end: date | None = None
    neighborhood: str | None = None

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
    messages: list[str] = field(default_factory=list)


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


def _parse_day(text: str | None, label: str, vocab: Vocabulary, messages: list[str]) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text[:10]) if len(text) <= MAX_VALUE_LEN else None
    except ValueError:
        day = None
    if day is None:
        messages.append(f"Ignored the {label} date {quoted(text)}: use YYYY-MM-DD.")
        return None
    if (vocab.first_day and day < vocab.first_day) or (vocab.last_day and day > vocab.last_day):
        messages.append(
            f"Ignored the {label} date {day.isoformat()}: the release covers {vocab.first_day} to {vocab.last_day}."
        )
        return None
    return day


def _parse_codes(params: Params, vocab: Vocabulary, messages: list[str]) -> tuple[str, ...]:
    codes: list[str] = []
    for code in values(params, "type"):
        if code in vocab.service_codes and code not in codes and len(codes) < MAX_TYPES:
            codes.append(code)
        elif code not in codes:
            messages.append(f"Ignored unknown request type {quoted(code)}.")
    return tuple(codes)


def parse_filters(params: Params, vocab: Vocabulary) -> Parsed:
    """Validated ``Filters`` from query parameters, plus a message per dropped value."""
    messages: list[str] = []
    codes = _parse_codes(params, vocab, messages)
    status = _one(params, "status")
    if status is not None and status not in STATUSES:
        messages.append(f"Ignored unknown status {quoted(status)}; use open, closed or overdue.")
        status = None
    start = _parse_day(_one(params, "from"), "start", vocab, messages)
    end = _parse_day(_one(params, "to"), "end", vocab, messages)
    if start and end and start > end:
        messages.append(f"Ignored the dates: the start {start} is after the end {end}.")
        start = end = None
    nbhd = _one(params, "nbhd")
    if nbhd is not None and nbhd not in vocab.neighborhoods:
        messages.append(f"Ignored unknown neighborhood {quoted(nbhd)}.")
        nbhd = None
    return Parsed(Filters(codes, status, start, end, nbhd), messages)


def parse_choice(
    params: Params, key: str, choices: Mapping[str, str] | Collection[str], default: str
) -> tuple[str, list[str]]:
    """One value from a fixed set (e.g. ``measure``), or the default with a message."""
    value = _one(params, key)
    if value is None:
        return default, []
    if value in choices:
        return value, []
    return default, [f"Ignored unknown {key} {quoted(value)}; showing {default}."]


def clean_request_id(raw: str | None) -> tuple[str | None, str | None]:
    """``(id, None)`` for a usable request id, else ``(None, message)``.

    Ids are trimmed and at most 64 characters. The id is only ever used as a bound
    parameter, so quotes and SQL are harmless; they simply match nothing.
    """
    if raw is None or not str(raw).strip():
        return None, None
    text = str(raw).strip()
    if len(text) > MAX_ID_LEN:
        return None, f"A request id has at most {MAX_ID_LEN} characters; {quoted(text)} is longer."
    if plain(text) != text:
        return None, "That request id contains control characters; please check it."
    return text, None
