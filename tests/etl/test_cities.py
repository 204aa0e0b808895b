"""Each real city, published by the real CLI, gives a valid, complete, reproducible release (issue #2).

Every city is published once per session (``city_releases`` in conftest.py); the repeat runs
(same OUT and database, then a fresh OUT and database) are made once, by the first test that
needs them. The raw files are read where they are, in ../shared/data; nothing is copied.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from etl_testkit import db_scalar, read_text_csv

from etl.validate import field_names, load_schema

pytestmark = [pytest.mark.shared, pytest.mark.slow]

# city -> (rows read, rows published, rows quarantined), measured on the files in ../shared/data
COUNTS = {
    "new-york-city": (4999, 4999, 0),
    "los-angeles": (9999, 9999, 0),
    "chicago": (5000, 5000, 0),
}
FRICTIONLESS = Path(sys.executable).parent / "frictionless"
DATA_FILES = [
    "data/changes.csv",
    "data/neighborhoods.geojson",
    "data/service_requests.csv",
    "data/service_requests.parquet",
    "data/service_types.csv",
]


def test_publish_exits_0_and_prints_the_counts(city):
    read, published, quarantined = COUNTS[city.city]
    lines = city.first.stdout.splitlines()
    assert city.first.returncode == 0
    assert lines[:3] == [
        f"rows read:        {read:,}",
        f"rows published:   {published:,}",
        f"rows quarantined: {quarantined:,}",
    ]
    assert (
        lines[3]
        == f"new release 1.0.0: {city.out / city.package / 'datapackage.json'} (-> {city.out.resolve() / 'releases' / city.package / '1.0.0'})"
    )


def test_frictionless_cli_validates_the_package(city):
    assert FRICTIONLESS.is_file(), f"{FRICTIONLESS} missing: install the project with scripts/setup.sh"
    as_json = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", str(city.release / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["valid"] is True
    assert report["stats"]["errors"] == 0
    assert [t["errors"] for t in report["tasks"]] == [[]] * 7
    rows = {t["resource"]["name"] if "resource" in t else t["name"]: t["stats"].get("rows") for t in report["tasks"]}
    assert rows["service_requests"] == COUNTS[city.city][1]


def test_rows_read_published_and_quarantined_add_up(city):
    read, published, quarantined = COUNTS[city.city]
    records_in_file = len(pd.read_csv(city.raw_path, dtype=str, keep_default_na=False))
    report = city.report
    assert records_in_file == read
    assert (report["rows_read"], report["rows_published"], report["rows_quarantined"]) == (read, published, quarantined)
    assert report["rows_published"] + report["rows_quarantined"] == report["rows_read"] == records_in_file
    assert len(city.published()) == published
    assert sum(report["quarantine_reasons"].values()) == quarantined


def test_ids_are_unique_and_come_from_the_file(city):
    ids = city.published()["service_request_id"]
    raw_ids = city.raw()[city.profile_id_column()].str.strip()
    assert ids.is_unique
    assert ids.str.len().min() >= 1
    assert set(ids) == set(raw_ids)  # nothing quarantined in these files


def test_published_columns_are_exactly_the_schema_fields(city):
    fields = field_names(load_schema("service_requests"))
    header = (city.release / "data" / "service_requests.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert [c.strip('"') for c in header.split(",")] == fields
    assert list(city.published().columns) == fields
    assert pq.read_schema(city.release / "data" / "service_requests.parquet").names == fields
    resource = next(r for r in city.datapackage["resources"] if r["name"] == "service_requests")
    assert [f["name"] for f in resource["schema"]["fields"]] == fields


def test_second_run_into_the_same_folder_changes_nothing(city):
    rep = city.repeat()
    assert rep["second"].returncode == 0, rep["second"].stderr
    assert f"unchanged; current release 1.0.0: {city.out / city.package / 'datapackage.json'}" in rep["second"].stdout
    assert rep["after"] == rep["before"]
    assert sorted(p.name for p in (city.out / "releases" / city.package).iterdir()) == [".index", "1.0.0"]
    # the second run's index (written while it ran) is gone with the release it did not make
    assert sorted(p.name for p in (city.out / "releases" / city.package / ".index").iterdir()) == [
        "1.0.0.csv-lines.npy",
        "1.0.0.parquet",
    ]


def test_fresh_folder_gives_byte_identical_data(city):
    rep = city.repeat()
    assert rep["third"].returncode == 0, rep["third"].stderr
    before, fresh = rep["before"], rep["fresh"]
    assert fresh["version"] == before["version"] == "1.0.0"
    # report.json holds the run's timings, so its hash may differ; every other resource is identical.
    assert {k: v for k, v in fresh["resource_hashes"].items() if k != "report"} == {
        k: v for k, v in before["resource_hashes"].items() if k != "report"
    }
    assert {f: fresh["files"][f] for f in DATA_FILES} == {f: before["files"][f] for f in DATA_FILES}
    assert fresh["files"]["changelog.json"] == before["files"]["changelog.json"]
    reports = [
        json.loads((out / city.package / "report.json").read_text(encoding="utf-8"))
        for out in (city.out, city.base / "fresh")
    ]
    for r in reports:
        del r["timing_seconds"]
    assert reports[0] == reports[1]


def test_database_holds_the_release_once(city):
    rep = city.repeat()
    dp = city.datapackage
    published = COUNTS[city.city][1]
    for state in (rep["before"], rep["after"], rep["fresh"]):
        assert (state["db_rows"], state["db_ids"]) == (published, published)
        assert state["db_version"] == dp["version"] == "1.0.0"
        assert state["db_releases"] == 1
    assert db_scalar(city.db_url, "select package_name from releases where is_current") == dp["name"] == city.package
    assert db_scalar(city.db_url, "select rows_published from releases where is_current") == published
    assert db_scalar(city.db_url, "select count(*) from service_requests where service_request_id is null") == 0


def test_quarantine_stays_private(city):
    published_files = {
        p.relative_to(city.release.resolve()).as_posix() for p in city.release.resolve().rglob("*") if p.is_file()
    }
    assert published_files == {"datapackage.json", "report.json", "changelog.json", *DATA_FILES}
    private = city.base / "private-out" / city.package / "1.0.0"
    assert sorted(p.name for p in private.iterdir()) == ["quarantine_reasons.csv", "quarantine_rows.csv"]
    assert len(read_text_csv(private / "quarantine_reasons.csv")) == COUNTS[city.city][2]
