"""The neighborhood brief's numbers: exact on the hand-built release; the chart's bars cover the period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sample_release import TZ, T
from sqlalchemy import create_engine

from portal import brief
from portal.metrics import Measure, Period


@pytest.fixture
def n1(conn):
    return brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")


def test_brief_numbers_exact(n1):
    # the period ends at the last request (SR-13, T-0.5); N1's cohort is SR-1, SR-2, SR-9
    assert n1.period == Period(T - timedelta(days=30.5), T - timedelta(days=0.5))
    assert (n1.name, n1.new_requests, n1.open_backlog, n1.overdue) == ("Northside", 3, 2, 2)
    assert n1.top_types == [("Pothole", 3)]
    assert [o["id"] for o in n1.oldest_open] == ["SR-14", "SR-9"]
    assert n1.oldest_open[0] == {
        "id": "SR-14",
        "type": "Graffiti",
        "status": "In Progress",
        "requested": T - timedelta(days=100),
        "age_days": 100.0,
        "overdue": True,
    }
    # SR-1 2, SR-2 4 (SR-8, received before the period and closed in it, is not counted)
    assert n1.median_local == Measure(3.0, 2, still_open=1)
    assert n1.median_city == Measure(5.0, 6, still_open=4, undated=1)
    assert n1.within_local == Measure(1.0, 2, still_open=1)
    assert n1.as_of == T
    # N1's open requests with a point: SR-14 and SR-9, the overdue ones marked
    assert [p["overdue"] for p in n1.open_points] == [True, True]


def test_chart_covers_exactly_the_period(n1):
    # weeks ending at the last request; the first bar starts at the period's start (Mar 1, not Feb 25)
    assert [(b.first_day, b.last_day, b.n) for b in n1.weekly] == [
        (date(2024, 3, 1), date(2024, 3, 3), 0),
        (date(2024, 3, 3), date(2024, 3, 10), 0),
        (date(2024, 3, 10), date(2024, 3, 17), 1),
        (date(2024, 3, 17), date(2024, 3, 24), 2),
        (date(2024, 3, 24), date(2024, 3, 31), 0),
    ]
    assert n1.weekly[0].start == n1.period.start and n1.weekly[-1].end == n1.period.end
    assert sum(b.n for b in n1.weekly) == n1.new_requests  # the bars count the period's new requests
    assert n1.partial_first is n1.weekly[0] and n1.partial_first.days == pytest.approx(2.0)


@pytest.mark.parametrize("code, days", [("N1", 30), ("N2", 90), ("N3", 365), ("N2", None), ("N3", 30)])
def test_bars_sum_to_the_new_requests_for_every_period(conn, code, days):
    b = brief.build_brief(conn, T, TZ, code, days, "x")
    assert sum(bar.n for bar in b.weekly) == b.new_requests
    assert all(later.start == earlier.end for earlier, later in zip(b.weekly, b.weekly[1:]))


def test_whole_weeks_have_no_partial_bar(make_release_db):
    specs = [("A", "noise", "N1", "open", 14.5, None, {}), ("B", "noise", "N1", "open", 0.5, None, {})]
    with create_engine(make_release_db(specs=specs).url).connect() as c:
        whole = brief.build_brief(c, T, TZ, "N1", None, "Whole release")
    assert [b.n for b in whole.weekly] == [1, 1] and whole.partial_first is None  # 14 days and a second: 2 weeks


def test_brief_unknown_neighborhood(conn):
    assert brief.build_brief(conn, T, TZ, "N9", 30, "x") is None


def test_brief_rows_are_received_in_the_period_or_open(conn, n1):
    rows = brief.brief_rows(conn, n1.period, "N1")
    assert [r["service_request_id"] for r in rows] == ["SR-14", "SR-1", "SR-2", "SR-9"]


def test_trend_widens_buckets_beyond_two_years(make_release_db):
    specs = [("A", "noise", "N1", "open", 800, None, {}), ("B", "noise", "N1", "open", 1, None, {})]
    with create_engine(make_release_db(specs=specs).url).connect() as c:
        days, buckets = brief.trend_counts(c, brief.period_for(c, T, None), TZ)
    assert days == 14 and len(buckets) == 58  # 799 days (and a second) from A to B: 58 buckets
    assert (buckets[0].n, buckets[-1].n, sum(b.n for b in buckets)) == (1, 1, 2)
