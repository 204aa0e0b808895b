"""Every data rule of docs/data-rules.md on one hand-written row each (tests/fixtures/etl/tiny).

The Tiny City fixture is published once per session through the whole pipeline; each row's
published cells are compared with the exact outcome its rule promises.
"""

from __future__ import annotations

import pandas as pd
import pytest
from etl_testkit import TINY, read_text_csv

from etl.privacy import random_point_in

COLUMNS = [
    "status",
    "service_name",
    "requested_datetime",
    "updated_datetime",
    "closed_datetime",
    "days_to_close",
    "address",
    "zipcode",
    "lat",
    "long",
    "channel",
    "neighborhood_code",
    "location_precision",
    "redaction_reason",
    "quality_flags",
]
D = "2024-03-01T09:00:00-06:00"  # the fixture's default request time, 9 AM Chicago winter time

# id -> the published cells that the row's rule decides (all other cells are checked elsewhere)
PUBLISHED = {
    "T-001": dict(
        status="closed",
        service_name="Pothole In Street",
        requested_datetime="2024-03-01T09:15:00-06:00",
        updated_datetime="2024-03-02T10:00:00-06:00",
        closed_datetime="2024-03-02T10:00:00-06:00",
        days_to_close="1.03",
        address="1200 block of N MAIN ST",
        zipcode="60601",
        lat="41.951",
        long="-87.655",
        channel="phone",
        neighborhood_code="N1",
        location_precision="point_3dp",
        redaction_reason="address_generalised",
        quality_flags="",
    ),
    "T-002": dict(
        address="0 block of W ELM ST",
        lat="",
        long="",
        channel="web",
        neighborhood_code="N2",
        location_precision="none",
        quality_flags="zero_coordinates;neighborhood_from_area_code",
    ),
    "T-003": dict(
        address="0 block of BROADWAY",
        lat="",
        long="",
        neighborhood_code="",
        location_precision="none",
        quality_flags="coordinates_outside_city",
    ),
    "T-004": dict(
        lat="41.85",
        long="-87.65",
        neighborhood_code="N2",
        location_precision="point_3dp",
        quality_flags="coordinates_from_location",
    ),
    "T-005": dict(
        address="",
        zipcode="",
        lat="",
        long="",
        neighborhood_code="",
        location_precision="none",
        redaction_reason="",
        quality_flags="placeholder_location",
    ),
    "T-006": dict(status="closed", days_to_close="0.08", quality_flags="mojibake_fixed_status_notes"),
    "T-007": dict(
        status="closed",
        updated_datetime="2024-03-05T10:00:00-06:00",
        closed_datetime="2024-03-05T10:00:00-06:00",
        days_to_close="2.04",
        quality_flags="",
    ),
    "T-008": dict(
        status="closed",
        requested_datetime="2024-03-10T17:00:00-05:00",
        closed_datetime="",
        days_to_close="",
        quality_flags="closed_before_requested",
    ),
    "T-009": dict(status="open", closed_datetime="", days_to_close="", quality_flags="closed_date_on_open_status"),
    "T-013": dict(
        service_name="Welfare Check",
        address="",
        zipcode="",
        neighborhood_code="N1",
        location_precision="neighborhood_random",
        redaction_reason="address_generalised;sensitive_type",
    ),
    "T-014": dict(redaction_reason="text_scrubbed_description", quality_flags=""),
    "T-015": dict(redaction_reason="media_removed"),
    "T-016": dict(
        lat="",
        long="",
        neighborhood_code="N1",
        location_precision="none",
        quality_flags="missing_coordinates;neighborhood_from_area_code",
    ),
    "T-017": dict(zipcode="", quality_flags="invalid_zipcode"),
    "T-019": dict(redaction_reason="text_scrubbed_description"),
    "T-021": dict(requested_datetime="2024-11-03T01:30:00-05:00"),  # the repeated hour: the first (daylight) one
    "T-022": dict(requested_datetime="2024-03-10T03:00:00-05:00"),  # the skipped hour: moved to 03:00
    "T-023": dict(requested_datetime="2024-03-15T13:00:00-05:00"),  # UTC 'Z' converted to the city's zone
    "T-025": dict(updated_datetime="", quality_flags="future_updated_datetime"),
    "T-026": dict(status="closed", closed_datetime="", quality_flags="invalid_closed_datetime;closed_without_date"),
    "T-027": dict(channel="other"),
    "T-028": dict(
        channel="unknown", lat="41.78", long="-87.65", neighborhood_code="", quality_flags="outside_boundaries"
    ),
    "T-029": dict(
        lat="41.78",
        long="-87.65",
        neighborhood_code="N2",
        location_precision="point_3dp",
        quality_flags="outside_boundaries;neighborhood_from_area_code",
    ),
}
# data row (1-based, header = 0) -> (reason, field, raw column) of each quarantined row
QUARANTINED = {
    8: ("duplicate_id_superseded", "service_request_id", "id"),
    11: ("unknown_status", "status", "state"),
    12: ("missing_id", "service_request_id", "id"),
    13: ("excluded_type", "service_name", "type"),
    19: ("requested_in_future", "requested_datetime", "opened"),
    21: ("invalid_requested_datetime", "requested_datetime", "opened"),
    25: ("requested_before_min_year", "requested_datetime", "opened"),
}


@pytest.fixture(scope="module")
def published(tiny_release) -> pd.DataFrame:
    return tiny_release.published().set_index("service_request_id", drop=False)


@pytest.mark.parametrize("sr_id", list(PUBLISHED))
def test_rule_outcome(published, sr_id):
    expected = PUBLISHED[sr_id]
    assert published.loc[sr_id, list(expected)].to_dict() == expected


def test_rows_add_up(tiny_release, published):
    raw = read_text_csv(TINY / "requests.csv")
    report = tiny_release.report
    assert (
        (report["rows_read"], report["rows_published"], report["rows_quarantined"]) == (len(raw), 23, 7) == (30, 23, 7)
    )
    assert set(published.index) == set(raw["id"]) - {"", "T-010", "T-012", "T-018", "T-020", "T-024"}


def test_quarantine_reasons_and_rows(tiny_release):
    report = tiny_release.report
    assert report["quarantine_reasons"] == {reason: 1 for reason, _field, _column in QUARANTINED.values()}
    # the public report names rows, fields and raw columns, never values
    assert report["quarantine_examples"] == {
        reason: [{"row": row, "field": field, "column": column}] for row, (reason, field, column) in QUARANTINED.items()
    }
    private = read_text_csv(tiny_release.private / "tiny-city-311" / "1.0.0" / "quarantine_reasons.csv")
    assert {int(r): (reason, field) for r, reason, field in private[["row", "reason", "field"]].values} == {
        row: (reason, field) for row, (reason, field, _column) in QUARANTINED.items()
    }
    raw_rows = read_text_csv(tiny_release.private / "tiny-city-311" / "1.0.0" / "quarantine_rows.csv")
    assert sorted(raw_rows["_row"].astype(int)) == sorted(QUARANTINED)


def test_report_flag_and_redaction_counts(tiny_release):
    report = tiny_release.report
    assert report["quality_flags"] == {
        "closed_before_requested": 1,
        "closed_date_on_open_status": 1,
        "closed_without_date": 1,
        "coordinates_from_location": 1,
        "coordinates_outside_city": 1,
        "future_updated_datetime": 1,
        "invalid_closed_datetime": 1,
        "invalid_zipcode": 1,
        "missing_coordinates": 1,
        "mojibake_fixed_status_notes": 1,
        "neighborhood_from_area_code": 3,
        "outside_boundaries": 2,
        "placeholder_location": 1,
        "zero_coordinates": 1,
    }
    assert report["redactions"] == {
        "address_generalised": 4,
        "media_removed": 1,
        "sensitive_type": 1,
        "text_scrubbed_description": 2,
    }


def test_duplicate_id_latest_update_wins(published):
    assert published.loc["T-007", "status_notes"] == "second update"
    assert (published["service_request_id"] == "T-007").sum() == 1


def test_text_rules(published):
    assert published.loc["T-006", "status_notes"] == "Crew\u2019s work is done"
    assert published.loc["T-014", "description"] == "Call John at [phone removed] or [email removed]"
    assert published.loc["T-019", "description"] == "'=SUM(A1:A2)"


def test_media_url_kept_only_for_allowed_https_host(published):
    assert published.loc["T-001", "media_url"] == "https://media.example.org/p/1.jpg"
    assert published.loc["T-015", "media_url"] == ""


def test_sensitive_type_gets_a_deterministic_point_in_its_neighborhood(tiny_release, published):
    import json

    import shapely

    hoods = json.loads((tiny_release.dir / "data" / "neighborhoods.geojson").read_text(encoding="utf-8"))
    n1 = shapely.geometry.shape(
        next(f["geometry"] for f in hoods["features"] if f["properties"]["neighborhood_code"] == "N1")
    )
    # The point drawn for 'T-013' rounds to (41.979, -87.7), on N1's west edge: it is drawn again as 'T-013#1'
    # (etl.privacy.sensitive_point), so the published point stays inside N1 once rounded.
    first = random_point_in(n1, "T-013")
    assert not n1.contains(shapely.Point(round(first[1], 3), round(first[0], 3)))
    lat, lon = random_point_in(n1, "T-013#1")
    assert (published.loc["T-013", "lat"], published.loc["T-013", "long"]) == (str(round(lat, 3)), str(round(lon, 3)))
    assert n1.contains(shapely.Point(float(published.loc["T-013", "long"]), float(published.loc["T-013", "lat"])))
    assert (published.loc["T-013", "lat"], published.loc["T-013", "long"]) != ("41.95", "-87.65")


def test_only_schema_fields_are_published(tiny_release, published):
    text = (tiny_release.dir / "data" / "service_requests.csv").read_text(encoding="utf-8")
    assert "312-555-0100" not in text  # reporter_phone: not mapped, never read into the release
    assert "reporter_phone" not in text
    assert set(published["address_id"]) == {""}


def test_service_types_with_targets(tiny_release):
    types = read_text_csv(tiny_release.dir / "data" / "service_types.csv")
    assert types.values.tolist() == [
        ["pothole-in-street", "Pothole In Street", "Streets", "3", "false", "22"],
        ["welfare-check", "Welfare Check", "Streets", "", "true", "1"],
    ]
