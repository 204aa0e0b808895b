"""What the track page says about one request (plain text; the page escapes it for display)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.metrics import Measure, n_text
from portal.text import plain
from portal.timefmt import days_between, format_local

PRECISION_TEXT = {
    "point_3dp": "Location rounded to about 110 m (3 decimals); the address is generalised to the block.",
    "neighborhood_centroid": "For privacy, this type of request is only placed at its neighborhood's centre.",
    "neighborhood_random": "For privacy, this type of request is placed at a random spot in its neighborhood.",
    "none": "No usable location was published for this request.",
}

# A flag of quality_flags or redaction_reason (see docs/data-rules.md) -> (the section of the
# page it explains, a plain sentence). Flags not listed here say nothing a visitor would miss.
FLAG_TEXT = {
    "closed_before_requested": (
        "timeline",
        "The city's close date for this request (before it "
        "was received) was not published, so there is no time to close.",
    ),
    "closed_date_on_open_status": (
        "timeline",
        "The city's data gave this request a close date while its status is still open; that date was not published.",
    ),
    "closed_without_date": (
        "timeline",
        "The city marked this request closed without a close date, so there is no time to close.",
    ),
    "invalid_closed_datetime": (
        "timeline",
        "The city's close date for this request could not be read, so it was not published.",
    ),
    "future_closed_datetime": (
        "timeline",
        "The city's close date for this request was later than the data itself, so it was not published.",
    ),
    "invalid_updated_datetime": (
        "timeline",
        "The city's last-update date for this request could not be read, so it was not published.",
    ),
    "future_updated_datetime": (
        "timeline",
        "The city's last-update date for this request was later than the data itself, so it was not published.",
    ),
    "invalid_expected_datetime": (
        "timeline",
        "The city's expected date for this request could not be read, so it was not published.",
    ),
    "missing_coordinates": (
        "location",
        "The city published no map coordinates for this request, so it has no point on the map.",
    ),
    "invalid_coordinates": (
        "location",
        "The city's coordinates for this request were not numbers, so they were not published.",
    ),
    "zero_coordinates": (
        "location",
        "The city's coordinates for this request were 0, 0 (a placeholder), so it has no point on the map.",
    ),
    "coordinates_outside_city": (
        "location",
        "The city's coordinates for this request were far outside the city, so it has no point on the map.",
    ),
    "placeholder_location": (
        "location",
        "The city recorded its own office as this request's "
        "location, so no location was published and it has no point on "
        "the map.",
    ),
    "outside_boundaries": ("location", "This request's point lies outside the published neighborhood boundaries."),
    "neighborhood_from_area_code": (
        "location",
        "Its neighborhood comes from the city's own area code, not from a map point.",
    ),
    "sensitive_type": (
        "location",
        "This is a sensitive type of request: for privacy its location "
        "is shown only as its neighborhood, and its address is not published.",
    ),
}


@dataclass(frozen=True)
class TrackView:
    title: str
    status_label: str
    city_status: str
    days_label: str
    days_value: str
    overdue: bool
    agency: str
    typical_sentence: str
    timeline: list[tuple[str, str]]
    notes: list[tuple[str, str]]
    location_text: str
    point: tuple[float, float] | None  # (long, lat)
    timeline_notes: list[str]  # data-quality notes on the dates (FLAG_TEXT), plain text
    location_notes: list[str]  # ... on the location


def flag_notes(row: dict, section: str) -> list[str]:
    """The plain sentences of ``FLAG_TEXT`` for the row's flags shown in ``section``."""
    flags = []
    for key in ("quality_flags", "redaction_reason"):
        flags += [f.strip() for f in str(row.get(key) or "").split(";") if f.strip()]
    return [plain(FLAG_TEXT[f][1], 300) for f in dict.fromkeys(flags) if f in FLAG_TEXT and FLAG_TEXT[f][0] == section]


def typical_sentence(typical: Measure | None, scope: str, service_name: str) -> str:
    """ "Similar requests here took a median of N days (n = … closed; … still open, …)"."""
    if typical is None or typical.value is None:
        return f"No {service_name} request has been marked closed yet, so there is no typical time."
    where = "in this neighborhood" if scope == "neighborhood" else "citywide"
    return (
        f"Similar requests ({service_name}) {where} took a median of {typical.value:.1f} days "
        f"to be marked closed ({n_text(typical, ', a small sample')})."
    )


def describe(row: dict, as_of: datetime, tz: str) -> TrackView:
    """The track page's view of a request row from ``cache.request``."""
    closed = row.get("status") == "closed"
    requested = row["requested_datetime"]
    if closed:
        days = row.get("days_to_close")
        days_label, days_value = "Days to close", "—" if days is None else f"{days:.1f}"
    else:
        days_label, days_value = "Days open", f"{days_between(requested, as_of):.1f}"
    target = row.get("target_days")
    timeline = [
        ("Requested", format_local(requested, tz)),
        ("Last updated", format_local(row.get("updated_datetime"), tz)),
        ("Expected by", format_local(row.get("expected_datetime"), tz)),
        ("Marked closed", format_local(row.get("closed_datetime"), tz)),
    ]
    if target is not None:
        timeline.append(("Target", f"{target:g} days for this type"))
    notes = [
        (label, plain(row.get(key), 2000))
        for label, key in [
            ("Description", "description"),
            ("Agency's latest note", "status_notes"),
            ("Service notice", "service_notice"),
        ]
        if row.get(key)
    ]
    place = plain(row.get("address") or row.get("neighborhood") or "Location not published", 300)
    if row.get("neighborhood") and row.get("address"):
        place += f" ({plain(row['neighborhood'], 200)})"
    has_point = row.get("lat") is not None and row.get("long") is not None
    return TrackView(
        title=f"{plain(row['service_request_id'], 64)}: {plain(row['service_name'], 200)}",
        status_label="Marked closed" if closed else "Open",
        city_status=plain(row.get("status_description") or row.get("status"), 100),
        days_label=days_label,
        days_value=days_value,
        overdue=bool(row.get("overdue")),
        agency=plain(row.get("agency_responsible") or "not stated", 200),
        typical_sentence=typical_sentence(
            row.get("typical"), row.get("typical_scope", ""), plain(row["service_name"], 200)
        ),
        timeline=timeline,
        notes=notes,
        location_text=f"{place}. {PRECISION_TEXT.get(row.get('location_precision'), '')}".strip(),
        point=(float(row["long"]), float(row["lat"])) if has_point else None,
        timeline_notes=flag_notes(row, "timeline"),
        location_notes=flag_notes(row, "location"),
    )
