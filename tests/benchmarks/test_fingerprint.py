"""What the ETL publishes stays byte-identical (bench/fingerprint.py, ``python -m bench fingerprint``).

The fixed cases are published by the real ``python -m etl publish`` once per module and compared
with tests/fixtures/published_fingerprints.json: every published and private file, and every
table of the database. A change that is meant to alter the output rewrites that file with
``python -m bench fingerprint --write`` in the same commit.
"""

from __future__ import annotations

import json

import pytest

from bench import fingerprint

pytestmark = pytest.mark.slow

GENERATED = ["tiny", "json-city", "demo", "demo-chunked", "demo+incremental", "demo+full"]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fingerprint")


@pytest.fixture(scope="module")
def generated(work) -> dict:
    return fingerprint.fingerprint_all(work, real=False)


def test_generated_cases_publish_exactly_the_stored_fingerprints(generated):
    expected = fingerprint.load_expected()
    assert sorted(generated) == sorted(GENERATED)
    assert fingerprint.differences({case: expected[case] for case in GENERATED}, generated) == []


def test_real_cities_publish_exactly_the_stored_fingerprints(work, shared_data):
    found = fingerprint.real_cases(work)
    expected = fingerprint.load_expected()
    assert sorted(found) == ["chicago", "los-angeles", "new-york-city"]
    assert fingerprint.differences({case: expected[case] for case in found}, found) == []


def test_one_chunk_and_many_chunks_over_two_workers_publish_the_same(generated):
    one, many = generated["demo"], generated["demo-chunked"]
    assert one["database"] == many["database"]
    public = {name: sha for name, sha in one["files"].items() if name.startswith("datasets/")}
    assert public == {name: sha for name, sha in many["files"].items() if name.startswith("datasets/")}
    assert len(public) == 10  # 7 release files, datapackage.json, and the index's two


def test_fingerprints_cover_the_release_the_index_the_private_files_and_every_table(generated):
    demo = generated["demo"]
    release = "datasets/releases/demo-city-311/1.0.0/"
    data = ["changes.csv", "neighborhoods.geojson", "service_requests.csv", "service_requests.parquet"]
    assert {f"{release}data/{name}" for name in [*data, "service_types.csv"]} <= set(demo["files"])
    assert {f"{release}{name}" for name in ("changelog.json", "datapackage.json", "report.json")} <= set(demo["files"])
    index = "datasets/releases/demo-city-311/.index/1.0.0"
    assert {f"{index}.parquet", f"{index}.csv-lines.npy"} <= set(demo["files"])
    assert "private/demo-city-311/1.0.0/quarantine_rows.csv" in demo["files"]
    assert sorted(demo["database"]) == [
        "schema",
        "table neighborhoods",
        "table releases",
        "table service_requests",
        "table service_types",
        "table summaries",
    ]


def test_datapackage_fingerprint_ignores_only_the_publishing_time():
    descriptor = {
        "name": "x",
        "created": "2026-01-01T00:00:00Z",
        "resources": [
            {"name": "service_requests", "bytes": 10, "hash": "sha256:aa"},
            {"name": "report", "bytes": 5, "hash": "sha256:bb"},
        ],
        "x_portal": {"release_history": [{"version": "1.0.0", "created": "2025-01-01T00:00:00Z"}]},
    }
    later = json.loads(json.dumps(descriptor))
    later["created"] = "2027-01-01T00:00:00Z"
    later["resources"][1].update(bytes=6, hash="sha256:cc")
    later["x_portal"]["release_history"][0]["created"] = "2027-01-01T00:00:00Z"
    encode = lambda d: json.dumps(d).encode()  # noqa: E731
    assert fingerprint.canonical_datapackage(encode(descriptor)) == fingerprint.canonical_datapackage(encode(later))
    later["resources"][0]["hash"] = "sha256:ab"  # a data file's hash is compared
    assert fingerprint.canonical_datapackage(encode(descriptor)) != fingerprint.canonical_datapackage(encode(later))
    report = {"rows_read": 3, "timing_seconds": {"load": 0.1}}
    assert fingerprint.canonical_report(encode(report)) == fingerprint.canonical_report(
        encode({**report, "timing_seconds": {"load": 9.9}})
    )
    assert fingerprint.canonical_report(encode(report)) != fingerprint.canonical_report(encode({"rows_read": 4}))


def test_differences_name_the_case_part_and_entry():
    expected = {"a": {"files": {"x.csv": "1", "y.csv": "2"}, "database": {"schema": "s"}}, "b": {}}
    found = {"a": {"files": {"x.csv": "1", "z.csv": "3"}, "database": {"schema": "t"}}, "c": {}}
    assert fingerprint.differences(expected, found) == [
        "a: files y.csv missing",
        "a: files z.csv new",
        "a: database schema differs",
        "b: not run",
        "c: not in the expected fingerprints",
    ]
