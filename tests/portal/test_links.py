"""Addresses built from filters: the query API and feed URLs the pages will show, and permalinks."""

from __future__ import annotations

from datetime import date

import pytest

from portal.filters import Filters
from portal.links import api_base, api_url, dashboard_base, feed_url, request_permalink, view_permalink

VIEW = Filters(("pothole", "graffiti"), "overdue", date(2024, 3, 1), date(2024, 3, 31), "N1")


@pytest.mark.parametrize(
    "filters, kwargs, expected",
    [
        (Filters(), {}, "http://api.test/api/requests.csv"),
        (VIEW, {}, "http://api.test/api/requests.csv?type=pothole&type=graffiti&status=overdue&from=2024-03-01&to=2024-03-31&nbhd=N1"),
        (Filters(neighborhood="N 1&2"), {"fmt": "json", "page": 3, "page_size": 50},
         "http://api.test/api/requests.json?nbhd=N%201%262&page=3&page_size=50"),
        (Filters(status="open"), {"page": 1}, "http://api.test/api/requests.csv?status=open"),
    ],
)  # fmt: skip
def test_api_url(filters, kwargs, expected):
    assert api_url(filters, "http://api.test/", **kwargs) == expected


@pytest.mark.parametrize(
    "filters, event, expected",
    [
        (Filters(), None, "http://api.test/feeds/requests.atom"),
        (VIEW, None, "http://api.test/feeds/requests.atom?neighborhood=N1&service_code=pothole%2Cgraffiti&status=open"),
        (Filters(status="closed", bbox=(-105.0, 39.75, -104.99, 39.76)), "closed",
         "http://api.test/feeds/requests.atom?status=closed&bbox=-105.0%2C39.75%2C-104.99%2C39.76&event=closed"),
    ],
)  # fmt: skip
def test_feed_url_leaves_dates_out_and_overdue_becomes_open(filters, event, expected):
    assert feed_url(filters, "http://api.test", event) == expected


def test_permalinks_and_bases():
    assert request_permalink("SR 1/2?x", "http://dash.test/") == "http://dash.test/track?id=SR%201%2F2%3Fx"
    assert view_permalink("map", Filters(neighborhood="N1"), "http://dash.test") == "http://dash.test/map?nbhd=N1"
    assert api_base({}) == "http://localhost:8000" and api_base({"PORTAL_API_URL": "https://x/311/"}) == "https://x/311"
    assert dashboard_base({"PORTAL_DASHBOARD_URL": "https://d"}) == "https://d"
