"""What the track page says about one request."""

from __future__ import annotations

import pytest
from sample_release import TZ, T

from portal import metrics, queries, track
from portal.metrics import Measure


def _view(conn, request_id):
    row = queries.get_request(conn, request_id)
    overdue = queries.overdue_clause(T, queries.service_targets(conn))
    row["overdue"] = queries.count_where(conn, [queries.SR.service_request_id == request_id, overdue]) == 1
    row["typical"], row["typical_scope"] = metrics.typical_days(conn, row["service_code"], row["neighborhood_code"])
    return track.describe(row, T, TZ)


def test_open_overdue_request(conn):
    view = _view(conn, "SR-9")
    assert (view.status_label, view.city_status, view.days_label, view.days_value, view.overdue) == (
        "Open",
        "In Progress",
        "Days open",
        "8.0",
        True,
    )
    assert view.typical_sentence == (
        "Similar requests (Pothole) in this neighborhood took a median "
        "of 3.0 days to be marked closed (n = 3 closed, a small sample; "
        "1 still open, not counted)."
    )
    assert view.timeline[0] == ("Requested", "2024-03-23 18:00 MDT")
    assert ("Target", "5 days for this type") in view.timeline
    assert view.notes == [
        ("Description", "Deep [hole](http://x.test)"),
        ("Agency's latest note", "Crew <b>scheduled</b> & notified"),
    ]
    assert view.point == (-104.995, 39.755)
    assert (view.timeline_notes, view.location_notes) == ([], [])


def test_closed_request_and_sensitive_location(conn):
    closed = _view(conn, "SR-4")
    assert (closed.status_label, closed.city_status, closed.days_value) == ("Marked closed", "Cancelled", "12.0")
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
    assert track.flag_notes(row, "timeline") == [track.FLAG_TEXT[f][1] for f in timeline]
    assert track.flag_notes(row, "location") == [track.FLAG_TEXT[f][1] for f in location]


@pytest.mark.parametrize("flag", sorted(track.FLAG_TEXT))
def test_flag_text_is_one_plain_sentence(flag):
    section, sentence = track.FLAG_TEXT[flag]
    assert section in ("timeline", "location")
    assert sentence[0].isupper() and sentence.endswith(".") and len(sentence) <= 300
    assert not set(sentence) & set("<>[]*_`#|$\\") and flag not in sentence  # words, not codes


def test_typical_sentence_without_data():
    assert track.typical_sentence(Measure(None, 0), "citywide", "Welfare Check") == (
        "No Welfare Check request has been marked closed yet, so there is no typical time."
    )
