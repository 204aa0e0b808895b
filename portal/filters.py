"""Filters and view choices <-> URL query parameters, with every value validated.

A view is a shareable permalink: ``/map?type=pothole&type=graffiti&status=open&from=2024-03-01
&to=2024-03-31&nbhd=N1&measure=backlog&lang=es``. Parsing never fails: each unknown or malformed
value is dropped and explained in a message (a ``Msg``, shown in the visitor's language), and the
rest of the view is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from portal.i18n import N_, Msg
from portal.text import plain, quoted

STATUSES = {"open": N_("Open"), "closed": N_("Marked closed"), "overdue": N_("Open and overdue")}
MEASURES = {"count": N_("Requests"), "backlog": N_("Open backlog"), "median_days": N_("Median days to close")}
PERIODS = {"30": N_("Last 30 days"), "90": N_("Last 90 days"), "365": N_("Last 365 days"), "all": N_("Whole release")}
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
    """Validated ``Filters`` from query parameters, plus a message per dropped value."""
    messages: list[Msg] = []
    codes = _parse_codes(params, vocab, messages)
    status = _one(params, "status")
    if status is not None and status not in STATUSES:
        unknown = N_("Ignored unknown status {value}; use open, closed or overdue.")
        messages.append(Msg(unknown, {"value": quoted(status)}))
        status = None
    start = _parse_day(_one(params, "from"), "from", vocab, messages)
    end = _parse_day(_one(params, "to"), "to", vocab, messages)
    if start and end and start > end:
        dates = {"start": str(start), "end": str(end)}
        messages.append(Msg(N_("Ignored the dates: the start {start} is after the end {end}."), dates))
        start = end = None
    nbhd = _one(params, "nbhd")
    if nbhd is not None and nbhd not in vocab.neighborhoods:
        messages.append(Msg(N_("Ignored unknown neighborhood {value}."), {"value": quoted(nbhd)}))
        nbhd = None
    return Parsed(Filters(codes, status, start, end, nbhd), messages)


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
