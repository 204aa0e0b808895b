"""What the track page says about one request."""
from __future__ import annotations

from portal import metrics, queries, track
from portal.metrics import Measure
from sample_release import T, TZ


def _view(conn, request_id):
    row = queries.get_request(conn, request_id)
    overdue = queries.overdue_clause(T, queries.service_targets(conn))
    row["overdue"] = queries.count_where(conn, [queries.SR.service_request_id == request_id, overdue]) == 1
    row["typical"], row["typical_scope"] = metrics.typical_days(conn, row["service_code"], row["neighborhood_code"])
    return track.describe(row, T, TZ)


def test_open_overdue_request(conn):
    view = _view(conn, "SR-9")
    assert (view.status_label, view.city_status, view.days_label, view.days_value, view.overdue) == (
        "Open", "In Progress", "Days open", "8.0", True)
    assert view.typical_sentence == ("Similar requests (Pothole) in this neighborhood took a median "
                                     "of 3.0 days to be marked closed (n = 3, a small sample).")
    assert view.timeline[0] == ("Requested", "2024-03-23 18:00 MDT")
    assert ("Target", "5 days for this type") in view.timeline
    assert view.notes == [("Description", "Deep [hole](http://x.test)"),
                          ("Agency's latest note", "Crew <b>scheduled</b> & notified")]
    assert view.point == (-104.995, 39.755)


def test_closed_request_and_sensitive_location(conn):
    closed = _view(conn, "SR-4")
    assert (closed.status_label, closed.city_status, closed.days_value) == ("Marked closed", "Cancelled", "12.0")
    sensitive = _view(conn, "SR-13")
    assert "random spot in its neighborhood" in sensitive.location_text
    nowhere = _view(conn, "SR-15")
    assert nowhere.point is None and "No usable location" in nowhere.location_text


def test_typical_sentence_without_data():
    assert track.typical_sentence(Measure(None, 0), "citywide", "Welfare Check") == (
        "No Welfare Check request has been marked closed yet, so there is no typical time.")
