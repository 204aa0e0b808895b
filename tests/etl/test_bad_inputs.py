"""One sample file per way an export can be bad (tests/fixtures/bad_inputs/), driving one test.

Unusable input exits 2 with one line naming the file and the problem. Input that is partly bad
publishes what it can; every bad row is quarantined with a reason, named by file, row and column
in the summary and the report, and the release still validates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "bad_inputs"
JSON_PROFILE = str(FIXTURES / "demo-json.toml")


def publish(tmp_path, name, profile="demo", boundaries=None):
    path = name if isinstance(name, Path) else FIXTURES / name
    cmd = [
        sys.executable,
        "-m",
        "etl",
        "publish",
        "--profile",
        profile,
        "--input",
        str(path),
        "--out",
        str(tmp_path / "out"),
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
        "--as-of",
        "2026-11-01T00:00:00",
    ]
    if boundaries:
        cmd += ["--boundaries", str(FIXTURES / boundaries)]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)


# (file, exact last line of stderr) for input that cannot be used at all
UNUSABLE = [
    ("empty.csv", "file is empty"),
    ("header_only.csv", "has a header but no data rows"),
    ("missing_columns.csv", "missing required column(s) 'category' (for service_name); the header has 4 column(s)"),
    (
        "wrong_delimiter.csv",
        "missing required column(s) 'request_id' (for service_request_id), 'status' (for status), "
        "'category' (for service_name), 'opened_at' (for requested_datetime); the header has 1 column(s)"
        " - is the delimiter right?",
    ),
    ("utf16.csv", "header is not utf-8 text (byte 0): unreadable encoding; set input.encoding in the profile"),
]


@pytest.mark.parametrize("name,message", UNUSABLE, ids=[u[0] for u in UNUSABLE])
def test_unusable_input_exits_2_with_one_line(tmp_path, name, message):
    r = publish(tmp_path, name)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"error: {FIXTURES / name}: {message}"]
    assert not (tmp_path / "out" / "releases").exists()


# (file, profile, rows read, rows published, {reason: [(row, column), ...]})
PARTLY_BAD = [
    ("extra_columns.csv", "demo", 3, 3, {}),
    ("not_utf8.csv", "demo", 3, 2, {"invalid_encoding": [(2, "details")]}),
    ("truncated_last_row.csv", "demo", 3, 2, {"malformed_row": [(3, "due")]}),
    (
        "malformed_middle_row.csv",
        "demo",
        4,
        2,
        {"malformed_row": [(2, "resolution")], "unknown_status": [(4, "status")]},
    ),
    ("duplicate_ids.csv", "demo", 3, 2, {"duplicate_id_superseded": [(1, "request_id")]}),
    (
        "dates_out_of_range.csv",
        "demo",
        4,
        2,
        {"requested_in_future": [(2, "opened_at")], "requested_before_min_year": [(3, "opened_at")]},
    ),
    ("coordinates_as_text.csv", "demo", 3, 3, {}),
    ("records_faults.json", JSON_PROFILE, 4, 3, {"malformed_row": [(4, None)]}),
]


@pytest.mark.parametrize("name,profile,read,published,reasons", PARTLY_BAD, ids=[p[0] for p in PARTLY_BAD])
def test_partly_bad_input_quarantines_rows_with_reasons(tmp_path, name, profile, read, published, reasons):
    r = publish(tmp_path, name, profile)
    assert r.returncode == 0, r.stderr
    package = next(p for p in (tmp_path / "out").iterdir() if p.is_symlink())
    report = json.loads((package / "report.json").read_text())
    assert (report["rows_read"], report["rows_published"]) == (read, published)
    assert report["rows_published"] + report["rows_quarantined"] == report["rows_read"]
    assert report["quarantine_reasons"] == {k: len(v) for k, v in reasons.items()}
    examples = {k: [(e["row"], e["column"]) for e in v] for k, v in report["quarantine_examples"].items()}
    assert examples == reasons
    for reason, where in reasons.items():  # the terminal summary names file, row and column
        row, column = where[0]
        expected = f"{name} row {row}" + (f" column {column!r}" if column else "")
        assert any(line.startswith(f"  {reason}: ") and expected in line for line in r.stdout.splitlines()), r.stdout
    rows = pd.read_csv(package / "data" / "service_requests.csv", dtype=str, keep_default_na=False)
    assert len(rows) == published
    check = subprocess.run(
        [str(Path(sys.executable).parent / "frictionless"), "validate", "datapackage.json"],
        cwd=package,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout[-2000:]


def test_extra_columns_are_never_published(tmp_path):
    publish(tmp_path, "extra_columns.csv")
    package = tmp_path / "out" / "demo-city-311"
    text = (package / "data" / "service_requests.csv").read_text()
    assert "Jane Demo" not in text and "call me" not in text and "secret_note" not in text
    report = json.loads((package / "report.json").read_text())
    assert report["input"]["columns_not_published"] == ["reporter_name", "secret_note"]


def test_latest_update_wins_for_conflicting_duplicates(tmp_path):
    publish(tmp_path, "duplicate_ids.csv")
    rows = pd.read_csv(
        tmp_path / "out" / "demo-city-311" / "data" / "service_requests.csv", dtype=str, keep_default_na=False
    )
    bi1 = rows[rows.service_request_id == "BI-1"].iloc[0]
    assert (bi1.status, bi1.status_description, bi1.updated_datetime) == (
        "open",
        "Assigned",
        "2026-10-09T09:00:00-06:00",
    )


def test_coordinates_given_as_text(tmp_path):
    publish(tmp_path, "coordinates_as_text.csv")
    rows = pd.read_csv(
        tmp_path / "out" / "demo-city-311" / "data" / "service_requests.csv", dtype=str, keep_default_na=False
    ).set_index("service_request_id")
    assert (rows.loc["BI-T1", "lat"], rows.loc["BI-T1", "location_precision"]) == ("", "none")
    assert rows.loc["BI-T1", "quality_flags"] == "invalid_coordinates;missing_coordinates;neighborhood_from_area_code"
    # ' 39.7719 ' and a decimal comma '-105,0483' are read as numbers
    assert (rows.loc["BI-T2", "lat"], rows.loc["BI-T2", "long"], rows.loc["BI-T2", "neighborhood_code"]) == (
        "39.772",
        "-105.048",
        "N01",
    )


def test_json_duplicated_key_keeps_meaningful_value_and_null_text_is_missing(tmp_path):
    publish(tmp_path, "records_faults.json", JSON_PROFILE)
    rows = pd.read_csv(
        tmp_path / "out" / "demo-json-311" / "data" / "service_requests.csv", dtype=str, keep_default_na=False
    ).set_index("service_request_id")
    assert (rows.loc["BJ-1", "status"], rows.loc["BJ-1", "status_description"]) == ("closed", "Completed")
    assert (rows.loc["BJ-2", "description"], rows.loc["BJ-2", "zipcode"]) == ("", "")
    assert list(rows.index) == ["BJ-1", "BJ-2", "BJ-3"]


def test_a_50_mb_field_is_cut_to_the_schema_length(tmp_path):
    src = (FIXTURES / "extra_columns.csv").read_text().splitlines()
    header, first = src[0], src[1].split(",")
    first[8] = "x" * (50 * 1024 * 1024)  # details
    path = tmp_path / "huge_field.csv"
    path.write_text(header + "\n" + ",".join(first) + "\n" + src[2] + "\n")
    r = publish(tmp_path, path)
    assert r.returncode == 0, r.stderr
    rows = pd.read_csv(
        tmp_path / "out" / "demo-city-311" / "data" / "service_requests.csv", dtype=str, keep_default_na=False
    )
    assert len(rows) == 2 and rows.description.str.len().max() == 2000
    assert "text_scrubbed_description" in rows.loc[0, "redaction_reason"]


def test_boundary_file_that_is_not_geojson(tmp_path):
    r = publish(tmp_path, "extra_columns.csv", boundaries="not_geojson.geojson")
    assert r.returncode == 2
    assert r.stderr.strip() == (
        f"error: {FIXTURES / 'not_geojson.geojson'}: boundary file is not GeoJSON "
        "(not valid JSON: Expecting value: line 1 column 1 (char 0))"
    )


def test_invalid_polygon_is_repaired_and_reported(tmp_path):
    r = publish(tmp_path, "extra_columns.csv", boundaries="bowtie.geojson")
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "out" / "demo-city-311" / "report.json").read_text())
    assert report["boundaries"]["repairs"] == ["feature 0 (N01): Self-intersection[-105.05 39.77]; repaired"]
