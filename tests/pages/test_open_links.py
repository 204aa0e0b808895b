"""The pages link to the open interfaces for the view on screen: the Map and Neighborhood pages to
the Atom feed of that view, the Data page to the query API URL of its selection and to the catalog.
The Data page's API URL, fetched from the real API over HTTP, answers the rows its export holds."""

from __future__ import annotations

import csv
import io
import urllib.request

import pytest
from sqlalchemy import create_engine, text

API = "https://api.example.org"


@pytest.fixture
def api_env(monkeypatch):
    monkeypatch.setenv("PORTAL_API_URL", API + "/")


def _markdown(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_map_links_the_feed_of_the_view(run_page, sample, api_env):
    at = run_page(sample.url, "map", nbhd="N2", status="open", type="pothole")
    assert not at.exception
    feed = f"<{API}/feeds/requests.atom?neighborhood=N2&service_code=pothole&status=open>"
    assert f"[Follow this view]({feed})" in _markdown(at)


def test_neighborhood_links_its_feed(run_page, sample, api_env):
    at = run_page(sample.url, "neighborhood", nbhd="N2", period="30")
    assert not at.exception
    assert f"({'<' + API}/feeds/requests.atom?neighborhood=N2>)" in _markdown(at)


def test_data_page_shows_the_api_url_of_its_selection_and_the_catalog(run_page, sample, api_env):
    at = run_page(sample.url, "data", type="pothole", status="open")
    assert not at.exception
    assert [c.value for c in at.code] == [f"{API}/api/requests.csv?type=pothole&status=open"]
    text = _markdown(at)
    assert f"[catalog](<{API}/catalog/data.json>)" in text
    assert f"[dataset page](<{API}/catalog/index.html>)" in text


def test_the_data_pages_api_url_answers_its_export(run_page, sample, serve_api, monkeypatch):
    base = serve_api(sample.url)
    monkeypatch.setenv("PORTAL_API_URL", base)
    at = run_page(sample.url, "data", type="pothole")
    (url,) = [c.value for c in at.code]
    assert url == f"{base}/api/requests.csv?type=pothole"
    export = next(b for b in at.download_button if b.label.startswith("Export "))
    assert export.label.startswith("Export 6 matching rows")
    with urllib.request.urlopen(url, timeout=30) as answer:
        rows = list(csv.DictReader(io.StringIO(answer.read().decode("utf-8"))))
    with create_engine(sample.url).connect() as conn:
        potholes = conn.execute(
            text("select service_request_id from service_requests where service_code = 'pothole'")
        ).scalars()
        assert sorted(r["service_request_id"] for r in rows) == sorted(potholes)
    assert len(rows) == 6
