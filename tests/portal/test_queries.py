"""Queries on the hand-built release: filters, map aggregates, lookups, exports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sample_release import TZ, T

from portal import queries
from portal.filters import Filters

TARGETS = {"pothole": 5.0, "graffiti": 10.0, "welfare": 1.0}


def _ids(conn, filters):
    clauses = queries.filter_clauses(filters, T, TZ, TARGETS)
    return sorted((r["service_request_id"] for r in queries.export_rows(conn, clauses, 100)), key=lambda i: int(i[3:]))


def test_service_targets(conn):
    assert queries.service_targets(conn) == TARGETS


@pytest.mark.parametrize(
    "filters, ids",
    [
        (Filters(), [f"SR-{i}" for i in range(1, 16)]),
        (Filters(status="overdue"), ["SR-9", "SR-11", "SR-14"]),
        (Filters(status="open", neighborhood="N2"), ["SR-10", "SR-12"]),
        (Filters(("graffiti", "noise"), "closed"), ["SR-4", "SR-5", "SR-6", "SR-8", "SR-15"]),
        # local calendar days (America/Denver): T-2 is 2024-03-29 18:00 MDT, T-0.5 2024-03-31 06:00
        (Filters(start=date(2024, 3, 29)), ["SR-10", "SR-13"]),
        (Filters(start=date(2024, 3, 28), end=date(2024, 3, 28)), ["SR-12"]),
        # the open interfaces' instants (both ends included) and bounding box
        (Filters(after=T - timedelta(days=3), before=T - timedelta(days=2)), ["SR-10", "SR-12"]),
        (Filters(before=T - timedelta(days=60)), ["SR-7", "SR-14"]),
        (Filters(bbox=(-104.99, 39.75, -104.98, 39.76)), ["SR-3", "SR-4", "SR-10", "SR-12"]),  # N2's square
        (Filters(bbox=(-104.98, 39.75, -104.97, 39.76), status="open"), ["SR-11", "SR-13"]),  # N3, located only
    ],
)
def test_filter_clauses(conn, filters, ids):
    assert _ids(conn, filters) == ids


@pytest.mark.parametrize(
    "measure, expected",
    [
        ("count", {"N1": (6.0, 6), "N2": (4.0, 4), "N3": (4.0, 4)}),
        ("backlog", {"N1": (2.0, 2), "N2": (2.0, 2), "N3": (2.0, 2)}),
        ("median_days", {"N1": (3.5, 4), "N2": (10.0, 2), "N3": (3.5, 2)}),  # N1: 2,3,4,20
    ],
)
def test_neighborhood_values(conn, measure, expected):
    assert queries.neighborhood_values(conn, [], measure) == expected


def test_neighborhood_values_rejects_unknown_measure(conn):
    with pytest.raises(ValueError):
        queries.neighborhood_values(conn, [], "mean")


def test_heat_cells_count_point_locations_only(conn):
    cells = queries.heat_cells(conn, [])
    assert sum(c["n"] for c in cells) == 13  # 15 minus SR-13 (sensitive) and SR-15 (no location)
    assert all(39.74 <= c["lat"] <= 39.77 for c in cells)


def test_map_points_limit_and_overdue_flag(conn):
    overdue = queries.overdue_clause(T, TARGETS)
    assert queries.map_points(conn, [], overdue, limit=13) is None  # 14 located rows
    points = queries.map_points(conn, [], overdue, limit=14)
    assert sorted(p["service_request_id"] for p in points if p["overdue"]) == ["SR-11", "SR-14", "SR-9"]


@pytest.mark.parametrize(
    "request_id, found",
    [
        ("SR-9", True),
        ("sr-9", False),
        ("1' OR '1'='1", False),
        ("SR-9' --", False),
        ("%", False),
        ("SR-_", False),
    ],
)
def test_get_request_binds_the_id(conn, request_id, found):
    row = queries.get_request(conn, request_id)
    assert (row is not None) == found
    if found:
        assert (row["service_request_id"], row["target_days"], row["status"]) == ("SR-9", 5.0, "open")


def test_vocabulary(conn):
    vocab = queries.vocabulary(conn, TZ)
    assert vocab.service_codes == {"pothole", "graffiti", "noise", "welfare"}
    assert vocab.neighborhoods == {"N1", "N2", "N3"}
    assert (vocab.first_day, vocab.last_day) == (date(2023, 12, 22), date(2024, 3, 31))


def test_list_neighborhoods_parses_geometry(conn):
    rows = queries.list_neighborhoods(conn, with_geometry=True)
    assert [r["name"] for r in rows] == ["Hill & <Dale>", "Northside", "Riverside"]
    assert rows[0]["geometry"]["type"] == "Polygon"


def test_export_rows_pages_oldest_first_and_page_rows_also_the_other_way(conn):
    every = [r["service_request_id"] for r in queries.export_rows(conn, [], 100)]
    assert every[:3] == ["SR-14", "SR-7", "SR-8"] and len(every) == 15
    assert [r["service_request_id"] for r in queries.export_rows(conn, [], 4, 4)] == every[4:8]
    newest = queries.page_rows(conn, [], 3, 1, newest_first=True)
    assert [r[0] for r in newest] == every[::-1][1:4] and len(newest[0]) == len(queries.PUBLIC_COLUMNS)


def test_rows_by_ids_in_the_order_asked_without_unknown_ones(conn):
    found = queries.rows_by_ids(conn, ["SR-9", "nope", "SR-1' OR '1'='1", "SR-2"])
    assert [r["service_request_id"] for r in found] == ["SR-9", "SR-2"]
    assert list(found[0]) == queries.PUBLIC_COLUMNS
    assert queries.rows_by_ids(conn, []) == []
