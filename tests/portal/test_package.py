"""The release as a data package: resources on disk, checksums, dictionary, documents, history."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from portal import db, package


@pytest.fixture
def release(sample):
    return db.load_release(create_engine(sample.url), sample.version)


def test_resources_found_and_verified(release):
    found = {r.name: package.verify(r) for r in package.resources(release)}
    assert found == dict.fromkeys(
        ["service_requests", "service_requests_parquet", "neighborhoods", "service_types"], "verified"
    )


def test_verify_detects_changes(make_release_db):
    built = make_release_db()
    rel = db.load_release(create_engine(built.url), built.version)
    target = built.release_dir / "data" / "service_types.csv"
    target.write_bytes(target.read_bytes().replace(b"Streets", b"Stre3ts"))
    statuses = {r.name: package.verify(r) for r in package.resources(rel)}
    assert statuses["service_types"] == "checksum differs"
    (built.release_dir / "data" / "neighborhoods.geojson").unlink()
    assert {r.name: package.verify(r) for r in package.resources(rel)}["neighborhoods"] == "missing"


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "https://example.org/x.csv", ""])
def test_resource_paths_must_stay_inside_release_dir(release, path):
    doc = {"resources": [{"name": "evil", "path": path}]}
    res = package.resources(replace(release, datapackage=doc))
    assert all(r.file is None for r in res)
    assert all(package.verify(r) == "missing" for r in res)


def test_data_dictionary_from_inline_or_file_schema(release, sample):
    fields = package.data_dictionary(release)
    assert fields[0] == {
        "field": "service_request_id",
        "title": "Service request ID",
        "type": "string",
        "required": True,
        "description": fields[0]["description"],
    }
    assert len(fields) == 27
    schema = package.schema_fields(release)
    (sample.release_dir / "schema.json").write_text(json.dumps({"fields": schema}))
    doc = {"resources": [{"name": "service_requests", "path": "x.csv", "schema": "schema.json"}]}
    assert package.data_dictionary(replace(release, datapackage=doc)) == fields


def test_data_dictionary_of_an_insight_resource(release):
    schema = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "rising_cells.schema.json").read_text())
    doc = {**release.datapackage, "resources": [{"name": "rising_cells", "path": "x.csv", "schema": schema}]}
    fields = package.data_dictionary(replace(release, datapackage=doc), "rising_cells")
    assert [f["field"] for f in fields] == [f["name"] for f in schema["fields"]]
    assert fields[-1] == {
        "field": "rising",
        "title": "Rising",
        "type": "boolean",
        "required": True,
        "description": schema["fields"][-1]["description"],
    }


def test_document_tables_from_a_report(release):
    tables = dict(package.document_tables(release.report))
    assert tables["summary"] == [
        {"item": "rows_read", "value": "17"},
        {"item": "rows_published", "value": "15"},
        {"item": "rows_quarantined", "value": "2"},
    ]
    assert tables["quarantine_reasons"] == [
        {"item": "missing_requested_datetime", "value": "1"},
        {"item": "duplicate_id", "value": "1"},
    ]


def test_history_merges_documents_and_database(release):
    known = [{"version": "2024.04.01-test", "created": "2024-04-01T06:00:00Z", "is_current": True}]
    doc = {
        **release.datapackage,
        "x_portal": {"release_history": [{"version": "2024.02.01-test", "created": "2024-02-01T06:00:00Z"}]},
    }
    rows = package.history(replace(release, datapackage=doc), known)
    assert [(r["version"], r["note"]) for r in rows] == [
        ("2024.04.01-test", "current release (served by this portal)"),
        ("2024.02.01-test", None),
        ("2024.03.01-test", "previous release"),
    ]  # known only by name: no date, listed last


def test_licenses_and_sources_fall_back_to_release_columns(release):
    bare = replace(release, datapackage={})
    assert package.licenses(bare)[0]["name"] == "CC0-1.0"
    assert package.sources(bare)[0]["title"] == "Test City 311 export"
