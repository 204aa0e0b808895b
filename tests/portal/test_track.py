"""What the track page says about one request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sample_release import TZ, T

from portal import metrics, queries, track
from portal.i18n import translator
from portal.metrics import Measure

EN = translator("en")
ROOT = Path(__file__).resolve().parents[2]


def _view(conn, request_id, tr=EN):
    row = queries.get_request(conn, request_id)
    overdue = queries.overdue_clause(T, queries.service_targets(conn))
    row["overdue"] = queries.count_where(conn, [queries.SR.service_request_id == request_id, overdue]) == 1
    row["typical"], row["typical_scope"] = metrics.typical_days(conn, row["service_code"], row["neighborhood_code"])
    return track.describe(row, T, TZ, tr)


def test_open_overdue_request(conn):
    view = _view(conn, "SR-9")
    assert (view.status_label, view.city_status, view.days_label, view.days_value, view.overdue) == (
        "Open",
        "In Progress",
        "Open for",
        "8 days",
        True,
    )
    # the age is counted to data_through, and says so
    assert (
        view.as_of_note == "as of Mar 31, 2024, 6:00\u202fPM MDT, when this release's data ends (not today)"
    )  # CLDR: a narrow space
    assert view.typical_sentence == (
        "Similar requests (Pothole) in this neighborhood took a median "
        "of 3.0 days to be marked closed (n = 3 closed; "
        "1 still open, not counted · a small sample)."
    )
    assert view.timeline[0] == ("Requested", "Mar 23, 2024, 6:00\u202fPM MDT")
    assert ("Target", "5 days for this type") in view.timeline
    assert view.notes == [
        ("Description", "Deep [hole](http://x.test)"),
        ("Agency's latest note", "Crew <b>scheduled</b> & notified"),
    ]
    assert view.point == (-104.995, 39.755)
    assert (view.timeline_notes, view.location_notes) == ([], [])


def test_closed_request_and_sensitive_location(conn):
    closed = _view(conn, "SR-4")
    assert (closed.status_label, closed.city_status, closed.days_label, closed.days_value, closed.as_of_note) == (
        "Marked closed",
        "Cancelled",
        "Time to close",
        "12 days",
        "",
    )
    sensitive = _view(conn, "SR-13")
    assert "random spot in its neighborhood" in sensitive.location_text
    assert sensitive.location_notes == [track.FLAG_TEXT["sensitive_type"][1]]
    nowhere = _view(conn, "SR-15")
    assert nowhere.point is None and "No usable location" in nowhere.location_text


def test_nulled_close_date_is_explained(conn):
    view = _view(conn, "SR-15")  # closed_before_requested;missing_coordinates
    assert ("Marked closed", "—") in view.timeline and view.days_value == "—"
    assert view.timeline_notes == [
        "The city's close date for this request (before it was received) "
        "was not published, so there is no time to close."
    ]
    assert view.location_notes == [
        "The city published no map coordinates for this request, so it has no point on the map."
    ]


@pytest.mark.parametrize(
    "flags, redactions, timeline, location",
    [
        ("", "", [], []),
        ("closed_date_on_open_status", "", ["closed_date_on_open_status"], []),
        ("mojibake_fixed_status_notes;closed_before_requested", "address_generalised", ["closed_before_requested"], []),
        ("missing_coordinates;closed_without_date", "", ["closed_without_date"], ["missing_coordinates"]),
        ("placeholder_location", "", [], ["placeholder_location"]),
        (
            "outside_boundaries;neighborhood_from_area_code",
            "",
            [],
            ["outside_boundaries", "neighborhood_from_area_code"],
        ),
        ("", "sensitive_type;address_generalised", [], ["sensitive_type"]),
        (" zero_coordinates ; zero_coordinates", None, [], ["zero_coordinates"]),  # spaces, repeats
        ("unknown_flag;<b>x</b>", "", [], []),  # never shown raw
    ],
)
def test_flag_notes(flags, redactions, timeline, location):
    row = {"quality_flags": flags, "redaction_reason": redactions}
    assert track.flag_notes(row, "timeline", EN) == [track.FLAG_TEXT[f][1] for f in timeline]
    assert track.flag_notes(row, "location", EN) == [track.FLAG_TEXT[f][1] for f in location]


@pytest.mark.parametrize("flag", sorted(track.FLAG_TEXT))
def test_flag_text_is_one_plain_sentence(flag):
    section, sentence = track.FLAG_TEXT[flag]
    assert section in ("timeline", "location")
    assert sentence[0].isupper() and sentence.endswith(".") and len(sentence) <= 300
    assert not set(sentence) & set("<>[]*_`#|$\\") and flag not in sentence  # words, not codes


def test_typical_sentence_without_data():
    assert track.typical_sentence(Measure(None, 0), "citywide", "Welfare Check", EN) == (
        "No Welfare Check request has been marked closed yet, so there is no typical time."
    )


@pytest.mark.parametrize(
    "typed, candidates",
    [
        ("DC-2026-000093", ["DC-2026-000093", "dc-2026-000093"]),
        ("dc-2026-000093", ["dc-2026-000093", "DC-2026-000093"]),
        ("#dc-2026-000093.", ["#dc-2026-000093.", "dc-2026-000093", "DC-2026-000093"]),
        ("(56923577)", ["(56923577)", "56923577"]),
        ("Sr-9", ["Sr-9", "SR-9", "sr-9"]),
        ("...", ["..."]),
    ],
)
def test_id_candidates(typed, candidates):
    assert track.id_candidates(typed) == candidates


@pytest.mark.parametrize("typed", ["SR-9", "sr-9", " #sr-9. ", "(SR-9)", "Sr-9"])
def test_lookup_ignores_case_and_punctuation_around(conn, typed):
    row = queries.find_request(conn, track.id_candidates(typed.strip()))
    assert row is not None and row["service_request_id"] == "SR-9"


def test_lookup_of_an_unknown_id_finds_nothing(conn):
    assert queries.find_request(conn, track.id_candidates("SR-99")) is None


def test_closed_request_in_less_than_a_day_and_in_chinese(conn):
    row = {**queries.get_request(conn, "SR-4"), "days_to_close": 0.4, "typical": None, "typical_scope": ""}
    assert track.describe(row, T, TZ, EN).days_value == "less than a day"
    view = track.describe(row, T, TZ, translator("zh_Hans"))
    assert (view.status_label, view.days_label, view.days_value) == ("标记为已关闭", "关闭用时", "不到一天")


def test_every_published_location_precision_is_explained():
    schema = json.loads((ROOT / "schemas" / "service_requests.schema.json").read_text(encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == "location_precision")
    assert sorted(track.PRECISION_TEXT) == sorted(field["constraints"]["enum"])
