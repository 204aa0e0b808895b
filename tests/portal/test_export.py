"""Filtered exports as CSV and GeoJSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sample_release import TZ, T

from portal import export, queries
from portal.filters import Filters


@pytest.fixture
def rows(conn):
    clauses = queries.filter_clauses(Filters(neighborhood="N3"), T, TZ, queries.service_targets(conn))
    return queries.export_rows(conn, clauses, 100)


def test_csv_has_the_published_columns(rows):
    parsed = list(csv.DictReader(io.StringIO(export.export(rows, TZ, "csv").decode())))
    assert [r["service_request_id"] for r in parsed] == ["SR-11", "SR-5", "SR-6", "SR-13"]
    assert list(parsed[0]) == queries.PUBLIC_COLUMNS
    assert parsed[0]["closed_datetime"] == ""


def test_geojson_points_and_properties(rows):
    doc = json.loads(export.export(rows, TZ, "geojson"))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 4
    first = doc["features"][0]
    assert first["geometry"]["type"] == "Point"
    assert first["properties"]["neighborhood"] == "Hill & <Dale>"
    assert first["properties"]["expected_datetime"] == "2024-03-30T18:00:00-06:00"


def test_export_limit_and_unknown_format(conn, rows):
    assert len(queries.export_rows(conn, [], 3)) == 3
    with pytest.raises(ValueError):
        export.export(rows, TZ, "xlsx")


def test_records_from_dicts_or_tuples_in_any_column_order(conn):
    from datetime import UTC, datetime

    import pandas as pd

    (row,) = queries.page_rows(conn, [queries.SR.service_request_id == "SR-12"], 1)
    as_dict = dict(zip(queries.PUBLIC_COLUMNS, row))
    picked = ("expected_datetime", "service_request_id", "lat", "closed_datetime")
    expected = {
        "expected_datetime": "2024-04-02T18:00:00-06:00",
        "service_request_id": "SR-12",
        "lat": 39.756,
        "closed_datetime": None,
    }
    assert export.records([row], TZ, picked) == export.records([as_dict], TZ, picked) == [expected]
    assert list(export.records([row], TZ)[0]) == queries.PUBLIC_COLUMNS
    odd = {
        "requested_datetime": pd.Timestamp("2024-03-10 09:00"),  # naive UTC, across the DST change
        "updated_datetime": datetime(2024, 3, 10, 9, tzinfo=UTC),
        "closed_datetime": pd.NaT,
        "lat": float("nan"),
    }
    assert {k: v for k, v in export.public_record(odd, TZ).items() if k in odd} == {
        "requested_datetime": "2024-03-10T03:00:00-06:00",
        "updated_datetime": "2024-03-10T03:00:00-06:00",
        "closed_datetime": None,
        "lat": None,
    }
    assert (
        export.public_record({"requested_datetime": datetime(2024, 3, 10, 10)}, TZ)["requested_datetime"]
        == "2024-03-10T04:00:00-06:00"
    )
