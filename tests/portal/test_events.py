"""Events derived from the sample release's dates (tests/portal/sample_release.py): opened at
requested_datetime, marked closed at closed_datetime, updated at a later updated_datetime that is
not the closing (the sample's open requests were updated one day after they came in)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sample_release import T

from portal import events, queries
from portal.filters import Filters

EVERYTHING = Filters()


def _events(conn, filters=EVERYTHING, kinds=tuple(events.EVENTS), limit=100):
    clauses = queries.filter_clauses(filters, T, "America/Denver", {})
    return [
        (e.kind, e.row["service_request_id"], (T - e.at) / timedelta(days=1))
        for e in events.request_events(conn, clauses, kinds, limit)
    ]


def test_an_area_newest_first_closing_before_updating_before_opening(conn):
    assert _events(conn, Filters(neighborhood="N2")) == [
        ("updated", "SR-10", 1),
        ("updated", "SR-12", 2),
        ("opened", "SR-10", 2),
        ("closed", "SR-4", 3),
        ("opened", "SR-12", 3),
        ("opened", "SR-4", 15),
        ("closed", "SR-3", 17),
        ("opened", "SR-3", 25),
    ]


def test_closures_only_and_only_with_a_close_date(conn):
    # SR-15 is closed without a close date (impossible in the source): it has no closing event
    assert _events(conn, kinds=("closed",)) == [
        ("closed", "SR-4", 3),
        ("closed", "SR-6", 4),
        ("closed", "SR-5", 6),
        ("closed", "SR-2", 6),
        ("closed", "SR-3", 17),
        ("closed", "SR-1", 18),
        ("closed", "SR-8", 25),
        ("closed", "SR-7", 57),
    ]


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_limit_keeps_the_newest(conn, limit):
    assert _events(conn, Filters(neighborhood="N2"), limit=limit) == _events(conn, Filters(neighborhood="N2"))[:limit]


def test_an_event_carries_the_published_row(conn):
    (event,) = events.request_events(conn, [queries.SR.service_request_id == "SR-9"], ("opened",), 10)
    assert list(event.row) == queries.PUBLIC_COLUMNS and event.at == T - timedelta(days=8)
