"""Headline and performance metrics on the hand-built release (see sample_release.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine

from portal import metrics
from portal.metrics import Measure, Period
from portal.performance import performance_table
from portal.queries import SR
from sample_release import T


def test_headline_exact(conn):
    head = metrics.headline(conn, T)
    assert head.period == Period(T - timedelta(days=30), T)
    assert (head.new_requests, head.open_backlog, head.overdue) == (11, 6, 3)
    assert head.median_days == Measure(6.0, 7)
    assert head.within_target == Measure(0.5, 6)
    assert head.median_days.small and head.within_target.small


def test_median_over_closures_in_a_shorter_period(conn):
    # closed in (T-20, T]: SR-1 2, SR-2 4, SR-3 8, SR-4 12, SR-5 6, SR-6 1 -> (4 + 6) / 2
    assert metrics.median_days(conn, Period.ending(T, 20)) == {(): (5.0, 6)}


def test_period_excludes_its_start_and_includes_its_end(make_release_db):
    specs = [("A", "noise", "N1", "open", 30, None, {}), ("B", "noise", "N1", "open", 0, None, {}),
             ("C", "noise", "N1", "closed", 31, 1.0, {}), ("D", "noise", "N1", "closed", 29, 1.0, {})]
    with create_engine(make_release_db(specs=specs).url).connect() as c:
        head = metrics.headline(c, T)
    assert head.new_requests == 2  # B (requested at T) and D; A, requested at exactly T-30, is out
    assert head.median_days.n == 1  # D (closed T-28); C closed at exactly T-30 is out


@pytest.mark.parametrize("where, expected", [
    ([], (5.5, 6)),
    ([SR.neighborhood_code == "N1"], (54.0, 2)),     # SR-9 8 days, SR-14 100 days
    ([SR.service_code == "noise"], (21.5, 2)),       # SR-11 40, SR-12 3
])
def test_backlog_age(conn, where, expected):
    assert metrics.backlog_age(conn, T, where) == {(): expected}


@pytest.mark.parametrize("code, nbhd, expected", [
    ("pothole", "N1", (Measure(3.0, 3), "neighborhood")),   # SR-1 2, SR-2 4, SR-7 3
    ("pothole", "N3", (Measure(3.5, 4), "citywide")),      # none in N3: 2,3,4,8
    ("welfare", "N3", (Measure(None, 0), "citywide")),     # never closed
    ("noise", None, (Measure(1.0, 1), "citywide")),
])
def test_typical_days(conn, code, nbhd, expected):
    assert metrics.typical_days(conn, code, nbhd) == expected


def test_p90_and_within_target_by_type(conn):
    period = Period.ending(T)
    by_type = {"g": SR.service_code}
    assert metrics.p90_days(conn, period, groups=by_type) == {
        ("graffiti",): (20.0, 3), ("noise",): (1.0, 1), ("pothole",): (8.0, 3)}
    assert metrics.within_target(conn, period, groups=by_type) == {
        ("graffiti",): (1 / 3, 3), ("pothole",): (2 / 3, 3)}


def test_performance_by_agency_exact(conn):
    table = performance_table(conn, T, Period.ending(T), "agency").set_index("group")
    assert list(table.index) == ["Streets", "Police", "Parks", "Human Services"]
    streets = table.loc["Streets"]
    assert (streets.requests, streets.closed_n, streets.median_days, streets.p90_days) == (5, 3, 4.0, 8.0)
    assert (streets.within_target, streets.target_n) == (pytest.approx(2 / 3), 3)
    assert (streets.open_backlog, streets.backlog_median_age_days) == (2, 5.0)
    police = table.loc["Police"]
    assert (police.requests, police.open_backlog, police.backlog_median_age_days) == (3, 2, 21.5)
    assert table.small_sample.all()


def test_performance_rejects_unknown_grouping(conn):
    with pytest.raises(ValueError):
        performance_table(conn, T, Period.ending(T), "ward")
