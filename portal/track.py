"""What the track page says about one request (plain text in the visitor's language; the page
escapes it for display), and how a typed id is matched."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from portal.definitions import n_text
from portal.i18n import N_, Translator
from portal.metrics import Measure
from portal.text import plain

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def id_candidates(text: str) -> list[str]:
    """The ids a typed id may stand for, most literal first: as typed, without the punctuation
    and spaces around it (``#DC-2026-000093.``), and each in upper and lower case. Ids are matched
    against these exactly (the primary key's index), so the lookup stays one indexed query; a
    city whose ids mix cases within one id is matched as typed or all in one case."""
    stripped = _EDGES.sub("", text)
    found = [text, stripped, stripped.upper(), stripped.lower()]
    return [c for c in dict.fromkeys(found) if c]


PRECISION_TEXT = {
    "point_3dp": N_("Location rounded to about 110 m (3 decimals); the address is generalised to the block."),
    "point_2dp": N_("Location rounded to about 1.1 km (2 decimals); the address is generalised to the block."),
    "point_1dp": N_("Location rounded to about 11 km (1 decimal); the address is generalised to the block."),
    "point_0dp": N_("Location rounded to about 110 km (whole degrees); the address is generalised to the block."),
    "neighborhood_centroid": N_("For privacy, this type of request is only placed at its neighborhood's centre."),
    "neighborhood_random": N_("For privacy, this type of request is placed at a random spot in its neighborhood."),
    "none": N_("No usable location was published for this request."),
}

# A flag of quality_flags or redaction_reason (see docs/data-rules.md) -> (the section of the
# page it explains, a plain sentence). Flags not listed here say nothing a visitor would miss.
FLAG_TEXT = {
    "closed_before_requested": (
        "timeline",
        N_(
            "The city's close date for this request (before it "
            "was received) was not published, so there is no time to close."
        ),
    ),
    "closed_date_on_open_status": (
        "timeline",
        N_(
            "The city's data gave this request a close date while its status is still open; "
            "that date was not published."
        ),
    ),
    "closed_without_date": (
        "timeline",
        N_("The city marked this request closed without a close date, so there is no time to close."),
    ),
    "invalid_closed_datetime": (
        "timeline",
        N_("The city's close date for this request could not be read, so it was not published."),
    ),
    "future_closed_datetime": (
        "timeline",
        N_("The city's close date for this request was later than the data itself, so it was not published."),
    ),
    "invalid_updated_datetime": (
        "timeline",
        N_("The city's last-update date for this request could not be read, so it was not published."),
    ),
    "future_updated_datetime": (
        "timeline",
        N_("The city's last-update date for this request was later than the data itself, so it was not published."),
    ),
    "invalid_expected_datetime": (
        "timeline",
        N_("The city's expected date for this request could not be read, so it was not published."),
    ),
    "missing_coordinates": (
        "location",
        N_("The city published no map coordinates for this request, so it has no point on the map."),
    ),
    "invalid_coordinates": (
        "location",
        N_("The city's coordinates for this request were not numbers, so they were not published."),
    ),
    "zero_coordinates": (
        "location",
        N_("The city's coordinates for this request were 0, 0 (a placeholder), so it has no point on the map."),
    ),
    "coordinates_outside_city": (
        "location",
        N_("The city's coordinates for this request were far outside the city, so it has no point on the map."),
    ),
    "placeholder_location": (
        "location",
        N_(
            "The city recorded its own office as this request's "
            "location, so no location was published and it has no point on "
            "the map."
        ),
    ),
    "outside_boundaries": ("location", N_("This request's point lies outside the published neighborhood boundaries.")),
    "neighborhood_from_area_code": (
        "location",
        N_("Its neighborhood comes from the city's own area code, not from a map point."),
    ),
    "sensitive_type": (
        "location",
        N_(
            "This is a sensitive type of request: for privacy its location "
            "is shown only as its neighborhood, and its address is not published."
        ),
    ),
}


@dataclass(frozen=True)
class TrackView:
    title: str
    status_label: str
    city_status: str
    days_label: str
    days_value: str
    as_of_note: str  # what the days are counted to
    overdue: bool
    agency: str
    typical_sentence: str
    timeline: list[tuple[str, str]]
    notes: list[tuple[str, str]]
    location_text: str
    point: tuple[float, float] | None  # (long, lat)
    timeline_notes: list[str]  # data-quality notes on the dates (FLAG_TEXT), plain text
    location_notes: list[str]  # ... on the location


def flag_notes(row: dict, section: str, tr: Translator) -> list[str]:
    """The sentences of ``FLAG_TEXT`` for the row's flags shown in ``section``."""
    flags = []
    for key in ("quality_flags", "redaction_reason"):
        flags += [f.strip() for f in str(row.get(key) or "").split(";") if f.strip()]
    shown = [f for f in dict.fromkeys(flags) if f in FLAG_TEXT and FLAG_TEXT[f][0] == section]
    return [plain(tr._(FLAG_TEXT[f][1]), 300) for f in shown]


def typical_sentence(typical: Measure | None, scope: str, service_name: str, tr: Translator) -> str:
    """ "Similar requests here took a median of N days (n = … closed; … still open, …)"."""
    if typical is None or typical.value is None:
        return tr._("No {type} request has been marked closed yet, so there is no typical time.").format(
            type=service_name
        )
    if scope == "neighborhood":
        text = tr._("Similar requests ({type}) in this neighborhood took a median of {days} to be marked closed ({n}).")
    else:
        text = tr._("Similar requests ({type}) citywide took a median of {days} to be marked closed ({n}).")
    n = n_text(typical, tr) + (" · " + tr._("a small sample") if typical.small else "")
    return text.format(type=service_name, days=tr.days(typical.value), n=n)


def _days(row: dict, as_of: datetime, tz: str, tr: Translator) -> tuple[str, str, str]:
    """(label, whole days, what they are counted to)."""
    if row.get("status") == "closed":
        return tr._("Time to close"), tr.whole_days(row.get("days_to_close")), ""
    age = (as_of - row["requested_datetime"]).total_seconds() / 86400
    note = tr._("as of {when}, when this release's data ends (not today)").format(when=tr.datetime(as_of, tz))
    return tr._("Open for"), tr.whole_days(age), note


def _timeline(row: dict, tz: str, tr: Translator) -> list[tuple[str, str]]:
    timeline = [
        (tr._("Requested"), tr.datetime(row["requested_datetime"], tz)),
        (tr._("Last updated"), tr.datetime(row.get("updated_datetime"), tz)),
        (tr._("Expected by"), tr.datetime(row.get("expected_datetime"), tz)),
        (tr._("Marked closed"), tr.datetime(row.get("closed_datetime"), tz)),
    ]
    if row.get("target_days") is not None:
        target = tr._("{days} for this type").format(days=tr.days(row["target_days"], 0))
        timeline.append((tr._("Target"), target))
    return timeline


def _place(row: dict, tr: Translator) -> str:
    place = plain(row.get("address") or row.get("neighborhood") or tr._("Location not published"), 300)
    if row.get("neighborhood") and row.get("address"):
        place += f" ({plain(row['neighborhood'], 200)})"
    precision = PRECISION_TEXT.get(row.get("location_precision"))
    return place + ". " + tr._(precision) if precision else place


def describe(row: dict, as_of: datetime, tz: str, tr: Translator) -> TrackView:
    """The track page's view of a request row from ``cache.request``."""
    days_label, days_value, as_of_note = _days(row, as_of, tz, tr)
    notes = [
        (label, plain(row.get(key), 2000))
        for label, key in [
            (tr._("Description"), "description"),
            (tr._("Agency's latest note"), "status_notes"),
            (tr._("Service notice"), "service_notice"),
        ]
        if row.get(key)
    ]
    has_point = row.get("lat") is not None and row.get("long") is not None
    name = plain(row["service_name"], 200)
    return TrackView(
        title=f"{plain(row['service_request_id'], 64)}: {name}",
        status_label=tr._("Marked closed") if row.get("status") == "closed" else tr._("Open"),
        city_status=plain(row.get("status_description") or row.get("status"), 100),
        days_label=days_label,
        days_value=days_value,
        as_of_note=as_of_note,
        overdue=bool(row.get("overdue")),
        agency=plain(row.get("agency_responsible") or tr._("not stated"), 200),
        typical_sentence=typical_sentence(row.get("typical"), row.get("typical_scope", ""), name, tr),
        timeline=_timeline(row, tz, tr),
        notes=notes,
        location_text=_place(row, tr),
        point=(float(row["long"]), float(row["lat"])) if has_point else None,
        timeline_notes=flag_notes(row, "timeline", tr),
        location_notes=flag_notes(row, "location", tr),
    )
