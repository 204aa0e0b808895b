"""The query API over real HTTP: the Data page's parameters, parsed by the Data page's parser, select
the Data page's rows (its export, byte for byte), paged, with the release in every answer."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine

from portal import cache, db
from portal.filters import parse_filters
from portal.queries import vocabulary

SELECTIONS = [
    {},
    {"type": ["pothole", "noise"], "status": "closed"},
    {"nbhd": "N1", "from": "2024-03-01", "to": "2024-03-31"},
    {"status": "overdue"},
]


def _data_page_export(api, params: dict) -> bytes:
    """What the Data page's export button gives for ``params`` (portal.cache.export_file)."""
    engine = create_engine(api.db_url)
    try:
        rel = db.load_release(engine, db.current_version(engine))
        with engine.connect() as conn:
            parsed = parse_filters(params, vocabulary(conn, rel.timezone))
    finally:
        engine.dispose()
    assert parsed.messages == []
    return cache.export_file(api.db_url, rel, parsed.filters, "csv", 200_000)


@pytest.mark.parametrize("params", SELECTIONS, ids=lambda p: urlencode(p, doseq=True) or "all")
def test_csv_pages_put_together_are_the_data_page_export(api, params):
    expected = _data_page_export(api, params)
    header, *rows = expected.decode().splitlines(keepends=True)
    got, page = [], 1
    while True:
        resp = api.get(f"/api/requests.csv?{urlencode({**params, 'page': page, 'page_size': 3}, doseq=True)}")
        assert resp.status_code == 200 and resp.headers["x-release-version"] == "2024.04.01-test"
        assert resp.headers["x-total-count"] == str(len(rows))
        first, *more = resp.text.splitlines(keepends=True)
        assert first == header
        got += more
        if 'rel="next"' not in resp.headers.get("link", ""):
            break
        page += 1
    assert got == rows and page == max(1, -(-len(rows) // 3))


def test_json_page(api):
    doc = api.get("/api/requests.json?type=pothole&page=2&page_size=2").json()
    assert doc["release"] == {
        "version": "2024.04.01-test",
        "package": "test-city-311",
        "title": "Test City 311 <requests>",
        "created": "2024-04-01T06:00:00Z",
        "data_through": "2024-03-31T18:00:00-06:00",
        "timezone": "America/Denver",
        "license": "CC0-1.0",
        "demo": False,
    }
    assert (doc["parameters"], doc["page"], doc["page_size"], doc["total"]) == ({"type": ["pothole"]}, 2, 2, 6)
    assert doc["next"] == f"{api.base}/api/requests.json?type=pothole&page=3&page_size=2"
    assert doc["previous"] == f"{api.base}/api/requests.json?type=pothole&page_size=2"
    assert [r["service_request_id"] for r in doc["rows"]] == ["SR-1", "SR-2"]  # oldest first: 7, 3 | 1, 2 | 9, 10
    published = {
        r["service_request_id"]: r for r in csv.DictReader(io.StringIO(api.get("/api/requests.csv?type=pothole").text))
    }
    for row in doc["rows"]:
        assert list(row) == list(published[row["service_request_id"]])
    assert doc["caveats"][0].startswith("status 'closed' means the city marked the request closed")


@pytest.mark.parametrize(
    "query, errors",
    [
        ("status=lost", ["status: Ignored unknown status 'lost'; use open, closed or overdue."]),
        ("type=pothole&type=nope", ["type: Ignored unknown request type 'nope'."]),
        ("from=2024-02-30", ["from: Ignored the start date '2024-02-30': use YYYY-MM-DD."]),
        (
            "from=2024-03-10&to=2024-03-01",
            ["from: Ignored the dates: the start 2024-03-10 is after the end 2024-03-01."],
        ),
        ("to=2023-01-01", ["to: Ignored the end date 2023-01-01: the release covers 2023-12-22 to 2024-03-31."]),
        ("nbhd=N1%27%20OR%201%3D1", ["nbhd: Ignored unknown neighborhood 'N1' OR 1=1'."]),
        (
            "page_size=1000000000&page=0",
            ["page must be from 1 to 1,000,000; got 0.", "page_size must be from 1 to 5,000; got 1,000,000,000."],
        ),
        (
            "neighborhood=N1",
            ["Unknown parameter 'neighborhood'; this address takes from, nbhd, page, page_size, status, to, type."],
        ),
    ],
)
def test_what_the_data_page_would_drop_is_a_400(api, query, errors):
    for fmt in ("csv", "json"):
        resp = api.get(f"/api/requests.{fmt}?{query}")
        assert resp.status_code == 400
        assert resp.json() == [{"code": 400, "description": e} for e in errors]
