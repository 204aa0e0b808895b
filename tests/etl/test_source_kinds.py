"""The real extracts (../shared/data) through every kind of loopback source: exact rows and values, and
the release published from the fetched rows is the release published from the export file."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from etl_testkit import CITIES, REAL_AS_OF, publish_cmd, read_text_csv, run

from etl.profile import load_profile
from etl.sources.fetch import fetch
from replay import Dataset, ReplayServer
from replay.profiles import with_source

pytestmark = pytest.mark.shared
NOW = datetime(2025, 8, 1, tzinfo=UTC)
LA = "https://la.example.org"  # replaced by the loopback server's address

# (id, city whose extract is served, kind, profile that reads the API, [source] changes)
CASES = [
    ("nyc socrata", "new-york-city", "socrata", "new-york-city", {"page_size": 1000}),
    ("chicago socrata", "chicago", "socrata", "chicago", {"page_size": 2000}),
    ("chicago open311", "chicago", "open311", "chicago-open311", {}),
    (
        "la ckan",
        "los-angeles",
        "ckan",
        "los-angeles",
        {"kind": "ckan", "url": LA, "dataset": "la-311", "watermark": "UpdatedDate"},
    ),
    (
        "la arcgis",
        "los-angeles",
        "arcgis",
        "los-angeles",
        {"kind": "arcgis", "url": LA, "watermark": "UpdatedDate", "format": "geojson"},
    ),
]
ROWS = {"new-york-city": 4999, "chicago": 5000, "los-angeles": 9999}


def fetched(city: str, kind: str, profile_name: str, changes: dict, shared_data, folder):
    _package, data_folder, raw, _bounds = CITIES[city]
    extract = shared_data / data_folder / raw
    profile = with_source(load_profile(profile_name), **changes)
    with ReplayServer(
        Dataset.from_file(extract, load_profile(city), dataset_id=profile.source["dataset"]), kinds=[kind]
    ) as s:
        return fetch(profile, folder, url=s.source_url(kind), now=NOW), extract


@pytest.mark.parametrize("city, kind, profile_name, changes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_real_extract_publishes_the_same_from_the_api(
    city, kind, profile_name, changes, shared_data, city_releases, tmp_path
):
    result, _ = fetched(city, kind, profile_name, changes, shared_data, tmp_path / "fetch")
    assert result.rows == ROWS[city]
    file_run = city_releases.get(city, shared_data)
    assert file_run.first.returncode == 0, file_run.first.stderr
    db = f"sqlite:///{tmp_path / 'api.db'}"
    proc = run(
        publish_cmd(
            profile_name, result.rows_file, tmp_path / "out", db, file_run.boundaries, REAL_AS_OF, tmp_path / "p"
        )
    )
    assert proc.returncode == 0, proc.stderr
    api = read_text_csv(next((tmp_path / "out").glob("*/data/service_requests.csv")))
    export = file_run.published()
    key = "service_request_id"
    api, export = api.sort_values(key).reset_index(drop=True), export.sort_values(key).reset_index(drop=True)
    assert len(api) == len(export) > 0.99 * ROWS[city]
    if kind == "open311":
        # GeoReport v2 says only open or closed: the city's own words (Completed, Canceled, Open) are not carried
        assert sorted(set(api["status_description"])) == ["closed", "open"]
        assert sorted(set(export["status_description"])) == ["Canceled", "Completed", "Open"]
        api, export = api.drop(columns="status_description"), export.drop(columns="status_description")
    pd.testing.assert_frame_equal(api, export)


def test_nyc_socrata_rows_are_the_extract(shared_data, tmp_path):
    """Every value of every row as in the export, with dates as the API floats them and Socrata's paging."""
    result, extract = fetched("new-york-city", "socrata", "new-york-city", {"page_size": 1000}, shared_data, tmp_path)
    assert (result.page_rows, result.requests) == ([1000, 1000, 1000, 1000, 999], 7)
    assert result.watermark == "2023-04-16T06:22:24.000Z"  # the newest Resolution Action Updated Date, in UTC
    api = read_text_csv(result.rows_file).set_index("Unique Key").sort_index()
    raw = read_text_csv(extract).set_index("Unique Key").sort_index()
    assert list(api.index) == list(raw.index)
    assert sorted(set(api.columns) - set(raw.columns)) == [":created_at", ":id", ":updated_at"]
    assert set(raw.columns) <= set(api.columns)
    dates = ["Created Date", "Closed Date", "Due Date", "Resolution Action Updated Date"]
    for column in raw.columns.difference(dates):
        assert (api[column] == raw[column]).all(), column
    for column in dates:
        as_export = pd.to_datetime(raw[column], format="%m/%d/%Y %I:%M:%S %p")
        as_api = pd.to_datetime(api[column], format="ISO8601")
        assert ((as_api == as_export) | (as_api.isna() & (raw[column] == ""))).all(), column
    assert api.loc["56923577", ["Created Date", "Closed Date"]].tolist() == [
        "2023-02-28T23:45:00.000",
        "2023-01-01T01:00:00.000",
    ]


def test_chicago_open311_windows_and_caps(shared_data, tmp_path):
    """5,000 requests of two days through 90-day windows and a cap of 1,000 per answer."""
    result, _ = fetched("chicago", "open311", "chicago-open311", {}, shared_data, tmp_path)
    assert result.rows == 5000 and max(result.page_rows) < 1000
    # the two busy days, split until each answer is under the cap: 7 answers hold every request
    assert (sum(1 for n in result.page_rows if n), sum(result.page_rows)) == (7, 5000)
    assert result.watermark == "2021-01-02T16:26:14-06:00"  # the newest request of the extract
    rows = pd.read_json(result.rows_file, lines=True, dtype=False).set_index("service_request_id")
    assert rows.loc[
        "SR21-00000001", ["status", "service_name", "extended_attributes.channel", "extended_attributes.ward"]
    ].tolist() == [
        "closed",
        "311 INFORMATION ONLY CALL",
        "Phone Call",
        "28",
    ]
