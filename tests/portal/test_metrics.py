"""Headline and performance metrics on the hand-built release (see sample_release.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sample_release import T
from sqlalchemy import create_engine

from portal import metrics
from portal.definitions import n_text
from portal.i18n import translator
from portal.metrics import Measure, Period
from portal.performance import performance_table
from portal.queries import SR

L = T - timedelta(days=0.5)  # the last request (SR-13): the latest period ends there


def test_headline_exact(conn):
    head = metrics.headline(conn, T)
    assert head.period == Period(L - timedelta(days=30), L)
    assert (head.new_requests, head.open_backlog, head.overdue) == (11, 6, 3)
    # 1,2,4,6,8,12; SR-9, 10, 12, 13 still open and SR-15 without a close date left out
    assert head.median_days == Measure(5.0, 6, still_open=4, undated=1)
    assert head.within_target == Measure(0.6, 5, still_open=3, undated=0)
    assert head.median_days.small and head.within_target.small


def test_latest_period_ends_at_the_last_request_not_at_data_through(make_release_db):
    # the NYC shape: every request received on one day, updates and closures running on for
    # weeks (data_through = T stays 45 days after the last request)
    specs = [
        ("A", "noise", "N1", "closed", 46, 0.5, {}),
        ("B", "noise", "N1", "closed", 45.5, 1.0, {}),
        ("C", "noise", "N1", "closed", 45.2, 40.0, {}),
        ("D", "noise", "N1", "open", 45, None, {}),
    ]
    with create_engine(make_release_db(specs=specs).url).connect() as c:
        head = metrics.headline(c, T)
    last = T - timedelta(days=45)
    assert head.period == Period(last - timedelta(days=30), last)
    assert head.new_requests == 4
    # over the day's requests, not over what happened to close in the 30 days before T (C only)
    assert head.median_days == Measure(1.0, 3, still_open=1)
    assert n_text(head.median_days, translator("en")) == "n = 3 closed; 1 still open, not counted"


def test_latest_period_of_an_empty_release_ends_at_data_through(make_release_db):
    with create_engine(make_release_db(specs=[]).url).connect() as c:
        head = metrics.headline(c, T)
    assert head.period == Period(T - timedelta(days=30), T)
    assert (head.new_requests, head.median_days, head.within_target) == (0, Measure(None, 0), Measure(None, 0))


@pytest.mark.parametrize(
    "days, expected",
    [
        (20, (4.0, 5)),  # received in (L-20, L]: SR-1 2, SR-2 4, SR-4 12, SR-5 6, SR-6 1
        (30, (5.0, 6)),
        (None, (5.0, 8)),  # every request: 1,2,3,4,6,8,12,20
    ],
)
def test_median_over_the_cohort_of_a_period(conn, days, expected):
    assert metrics.median_days(conn, metrics.latest_period(conn, T, days)) == {(): expected}


def test_whole_release_period_starts_just_before_the_first_request(conn):
    period = metrics.latest_period(conn, T, None)
    assert (period.start, period.end) == (T - timedelta(days=100, seconds=1), L)


def test_period_excludes_its_start_and_includes_its_end(make_release_db):
    specs = [
        ("A", "noise", "N1", "open", 30, None, {}),
        ("B", "noise", "N1", "open", 0, None, {}),
        ("C", "noise", "N1", "closed", 31, 1.0, {}),
        ("D", "noise", "N1", "closed", 29, 1.0, {}),
    ]
    with create_engine(make_release_db(specs=specs).url).connect() as c:
        head = metrics.headline(c, T)
    assert head.new_requests == 2  # B (requested at T, the last request) and D; A, at exactly T-30, is out
    assert head.median_days == Measure(1.0, 1, still_open=1)  # D; B still open; C is out


@pytest.mark.parametrize(
    "m, text",
    [
        (Measure(5.0, 6, 4, 1), "n = 6 closed; 4 still open and 1 closed without a usable close date, not counted"),
        (
            Measure(0.76, 4417, 580, 2),
            "n = 4,417 closed; 580 still open and 2 closed without a usable close date, not counted",
        ),
        (Measure(0.6, 5, 3), "n = 5 closed; 3 still open, not counted"),
        (Measure(1.0, 25), "n = 25 closed"),
        (Measure(None, 0, 0, 2), "n = 0 closed; 2 closed without a usable close date, not counted"),
    ],
)
def test_n_text(m, text):
    assert n_text(m, translator("en")) == text


@pytest.mark.parametrize(
    "lang, text",
    [
        ("es", "n = 4.417 cerradas; no se cuentan 580 aún abiertas ni 2 cerradas sin fecha de cierre utilizable"),
        ("zh_Hans", "n = 4,417 件已关闭；另有 580 件仍未关闭、2 件已关闭但没有可用的关闭日期，均未计入"),
    ],
)
def test_n_text_in_other_languages(lang, text):
    assert n_text(Measure(0.76, 4417, 580, 2), translator(lang)) == text


@pytest.mark.parametrize(
    "where, expected",
    [
        ([], (5.5, 6)),
        ([SR.neighborhood_code == "N1"], (54.0, 2)),  # SR-9 8 days, SR-14 100 days
        ([SR.service_code == "noise"], (21.5, 2)),  # SR-11 40, SR-12 3
    ],
)
def test_backlog_age(conn, where, expected):
    assert metrics.backlog_age(conn, T, where) == {(): expected}


@pytest.mark.parametrize(
    "code, nbhd, expected",
    [
        ("pothole", "N1", (Measure(3.0, 3, 1), "neighborhood")),  # SR-1 2, SR-2 4, SR-7 3; SR-9 open
        ("pothole", "N3", (Measure(3.5, 4, 2), "citywide")),  # none in N3: 2,3,4,8; SR-9, 10 open
        ("welfare", "N3", (Measure(None, 0, 1), "citywide")),  # never closed; SR-13 open
        ("noise", None, (Measure(1.0, 1, 2, 1), "citywide")),  # SR-6; SR-11, 12 open; SR-15 undated
    ],
)
def test_typical_days(conn, code, nbhd, expected):
    assert metrics.typical_days(conn, code, nbhd) == expected


def test_p90_and_within_target_by_type(conn):
    period = metrics.latest_period(conn, T)
    by_type = {"g": SR.service_code}
    assert metrics.p90_days(conn, period, groups=by_type) == {
        ("graffiti",): (12.0, 2),
        ("noise",): (1.0, 1),
        ("pothole",): (8.0, 3),
    }
    assert metrics.within_target(conn, period, groups=by_type) == {("graffiti",): (0.5, 2), ("pothole",): (2 / 3, 3)}
    assert metrics.left_out(conn, period, groups=by_type) == {
        ("graffiti",): (0, 0),
        ("noise",): (1, 1),
        ("pothole",): (2, 0),
        ("welfare",): (1, 0),
    }
    assert metrics.left_out(conn, period, groups=by_type, targeted=True) == {
        ("graffiti",): (0, 0),
        ("pothole",): (2, 0),
        ("welfare",): (1, 0),
    }


def test_performance_by_agency_exact(conn):
    table = performance_table(conn, T, metrics.latest_period(conn, T), "agency").set_index("group")
    assert list(table.index) == ["Streets", "Police", "Parks", "Human Services"]
    streets = table.loc["Streets"]
    assert (streets.requests, streets.closed_n, streets.still_open) == (5, 3, 2)
    assert (streets.median_days, streets.p90_days) == (4.0, 8.0)
    assert (streets.within_target, streets.target_n) == (pytest.approx(2 / 3), 3)
    assert (streets.open_backlog, streets.backlog_median_age_days) == (2, 5.0)
    police = table.loc["Police"]  # SR-6 closed, SR-12 open, SR-15 without a close date
    assert (police.requests, police.closed_n, police.still_open) == (3, 1, 1)
    assert (police.open_backlog, police.backlog_median_age_days) == (2, 21.5)
    parks = table.loc["Parks"]  # SR-4 12, SR-5 6; SR-8 (received before the period) is out
    assert (parks.requests, parks.closed_n, parks.median_days, parks.open_backlog) == (2, 2, 9.0, 1)
    assert table.small_sample.all()


def test_performance_rejects_unknown_grouping(conn):
    with pytest.raises(ValueError):
        performance_table(conn, T, Period.ending(T), "ward")
