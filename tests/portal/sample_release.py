"""A tiny hand-written release, small enough that every expected number is computed by hand.

Demo-like city in America/Denver. data_through = 2024-03-31T18:00:00-06:00 = T = 2024-04-01 00:00
UTC (naive in the tables). The last request is SR-13 at L = T - 0.5 days, so the latest period
is (L - 30 days, L] = (T-30.5, T-0.5]; its cohort is the requests received in it.

    id     type      nbhd  status  requested  days_to_close  note
    SR-1   pothole   N1    closed  T-20       2              in the cohort, within target 5
    SR-2   pothole   N1    closed  T-10       4              within
    SR-3   pothole   N2    closed  T-25       8              over target
    SR-4   graffiti  N2    closed  T-15       12             over target 10 ("Cancelled")
    SR-5   graffiti  N3    closed  T-12       6              within
    SR-6   noise     N3    closed  T-5        1              no target
    SR-7   pothole   N1    closed  T-60       3              received and closed before the period
    SR-8   graffiti  N1    closed  T-45       20             received before the period, closed in it: not in the cohort
    SR-9   pothole   N1    open    T-8        -              overdue (target 5)
    SR-10  pothole   N2    open    T-2        -
    SR-11  noise     N3    open    T-40       -              overdue: expected T-1
    SR-12  noise     N2    open    T-3        -              expected T+2
    SR-13  welfare   N3    open    T-0.5      -              sensitive, target 1, not yet overdue; the last request
    SR-14  graffiti  N1    open    T-100      -              overdue
    SR-15  noise     -     closed  T-7        (none)         impossible close date, no location

By hand: new requests (the cohort) 11: SR-1..6, 9, 10, 12, 13, 15; open backlog 6; overdue 3
(SR-9, SR-11, SR-14). The cohort's marked closed with days 1,2,4,6,8,12 -> median 5, n 6, p90
(rank 6) 12; left out: 4 still open (SR-9, 10, 12, 13) and 1 closed without a close date (SR-15).
Within target: 3 of 5 = 0.6 (SR-1, 2, 5 of SR-1..5); left out 3 still open with a target (SR-9,
10, 13). Backlog ages 0.5,2,3,8,40,100 -> median 5.5; N2's cohort closed 8,12 -> median 10.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import create_engine, insert

from core.tables import metadata, neighborhoods, releases, service_requests, service_types

T = datetime(2024, 4, 1, 0, 0)
TZ = "America/Denver"
DATA_THROUGH = "2024-03-31T18:00:00-06:00"
VERSION = "2024.04.01-test"
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "service_requests.schema.json"

NEIGHBORHOODS = [  # code, name, west longitude of a 0.01-degree square from lat 39.75
    ("N1", "Northside", -105.00),
    ("N2", "Riverside", -104.99),
    ("N3", "Hill & <Dale>", -104.98),
]
TYPES = [  # code, name, agency, target_days, sensitive
    ("pothole", "Pothole", "Streets", 5.0, False),
    ("graffiti", "Graffiti", "Parks", 10.0, False),
    ("noise", "Noise Complaint", "Police", None, False),
    ("welfare", "Welfare Check", "Human Services", 1.0, True),
]
REQUESTS = [  # id, type, nbhd, status, days before T requested, days_to_close, extras
    ("SR-1", "pothole", "N1", "closed", 20, 2.0, {}),
    ("SR-2", "pothole", "N1", "closed", 10, 4.0, {}),
    ("SR-3", "pothole", "N2", "closed", 25, 8.0, {}),
    ("SR-4", "graffiti", "N2", "closed", 15, 12.0, {"status_description": "Cancelled"}),
    ("SR-5", "graffiti", "N3", "closed", 12, 6.0, {}),
    ("SR-6", "noise", "N3", "closed", 5, 1.0, {}),
    ("SR-7", "pothole", "N1", "closed", 60, 3.0, {}),
    ("SR-8", "graffiti", "N1", "closed", 45, 20.0, {}),
    (
        "SR-9",
        "pothole",
        "N1",
        "open",
        8,
        None,
        {"status_notes": "Crew <b>scheduled</b> & notified", "description": "Deep [hole](http://x.test)"},
    ),
    ("SR-10", "pothole", "N2", "open", 2, None, {}),
    ("SR-11", "noise", "N3", "open", 40, None, {"expected_datetime": T - timedelta(days=1)}),
    ("SR-12", "noise", "N2", "open", 3, None, {"expected_datetime": T + timedelta(days=2)}),
    (
        "SR-13",
        "welfare",
        "N3",
        "open",
        0.5,
        None,
        {"location_precision": "neighborhood_random", "redaction_reason": "sensitive_type"},
    ),
    ("SR-14", "graffiti", "N1", "open", 100, None, {}),
    (
        "SR-15",
        "noise",
        None,
        "closed",
        7,
        None,
        {"quality_flags": "closed_before_requested;missing_coordinates", "location_precision": "none"},
    ),
]


@dataclass(frozen=True)
class SampleRelease:
    url: str
    db_path: Path
    release_dir: Path
    version: str = VERSION


def _square(west: float) -> dict:
    s, e, n = 39.75, west + 0.01, 39.76
    return {"type": "Polygon", "coordinates": [[[west, s], [e, s], [e, n], [west, n], [west, s]]]}


def request_rows(specs=REQUESTS) -> list[dict]:
    """The service_requests rows of ``specs`` (every column present)."""
    types = {t[0]: t for t in TYPES}
    nbhds = {n[0]: n for n in NEIGHBORHOODS}
    rows = []
    for i, (rid, code, nb, status, before, days, extra) in enumerate(specs):
        requested = T - timedelta(days=before)
        row = dict.fromkeys(c.name for c in service_requests.columns)
        row.update(
            service_request_id=rid,
            status=status,
            service_code=code,
            status_description="Completed" if status == "closed" else "In Progress",
            service_name=types[code][1],
            agency_responsible=types[code][2],
            requested_datetime=requested,
            updated_datetime=requested + timedelta(days=days or 1),
            closed_datetime=requested + timedelta(days=days) if days is not None else None,
            days_to_close=days,
            channel="web",
            location_precision="point_3dp",
            neighborhood_code=nb,
            neighborhood=nbhds[nb][1] if nb else None,
            address=f"{100 * (i + 1)} block of MAIN ST" if nb else None,
            lat=round(39.751 + 0.0005 * i, 3) if nb else None,
            long=round(nbhds[nb][2] + 0.002 + 0.0004 * i, 3) if nb else None,
        )
        row.update(extra)
        rows.append(row)
    return rows


def _local_iso(value: datetime | None) -> str:
    if value is None or pd.isna(value):
        return ""
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(TZ)).isoformat()


def _write_files(release_dir: Path, rows: list[dict]) -> list[dict]:
    data = release_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=[c.name for c in service_requests.columns])
    for col in ("requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime"):
        frame[col] = [_local_iso(v) for v in frame[col]]
    frame.to_csv(data / "service_requests.csv", index=False)
    frame.to_parquet(data / "service_requests.parquet", index=False)
    features = [
        {"type": "Feature", "properties": {"code": c, "name": n}, "geometry": _square(w)} for c, n, w in NEIGHBORHOODS
    ]
    (data / "neighborhoods.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    pd.DataFrame(
        TYPES, columns=["service_code", "service_name", "agency_responsible", "target_days", "is_sensitive"]
    ).to_csv(data / "service_types.csv", index=False)
    schema = json.loads(SCHEMA.read_text())
    out = []
    for name, path, fmt in [
        ("service_requests", "data/service_requests.csv", "csv"),
        ("service_requests_parquet", "data/service_requests.parquet", "parquet"),
        ("neighborhoods", "data/neighborhoods.geojson", "geojson"),
        ("service_types", "data/service_types.csv", "csv"),
    ]:
        blob = (release_dir / path).read_bytes()
        res = {
            "name": name,
            "path": path,
            "format": fmt,
            "bytes": len(blob),
            "hash": "sha256:" + hashlib.sha256(blob).hexdigest(),
        }
        if name == "service_requests":
            res["schema"] = schema
        out.append(res)
    return out


def build_release_db(
    directory: Path, *, is_demo: bool = False, specs=REQUESTS, with_release: bool = True, url: str | None = None
) -> SampleRelease:
    """Write the release files under ``directory/release`` and load them into a database:
    a new SQLite file by default, or ``url`` (e.g. PostgreSQL; its tables are recreated)."""
    db_path = directory / "portal.db"
    url = url or f"sqlite:///{db_path}"
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    rows = request_rows(specs)
    release_dir = directory / "release"
    resources = _write_files(release_dir, rows)
    package = {
        "name": "test-city-311",
        "title": "Test City 311 <requests>",
        "version": VERSION,
        "created": "2024-04-01T06:00:00Z",
        "licenses": [
            {
                "name": "CC0-1.0",
                "path": "https://creativecommons.org/publicdomain/zero/1.0/",
                "title": "Creative Commons Zero v1.0",
            }
        ],
        "sources": [{"title": "Test City 311 export", "path": "https://example.org/test-city"}],
        "resources": resources,
    }
    report = {
        "rows_read": 17,
        "rows_published": len(rows),
        "rows_quarantined": 2,
        "quarantine_reasons": {"missing_requested_datetime": 1, "duplicate_id": 1},
    }
    changelog = {"previous_version": "2024.03.01-test", "rows_added": 3, "rows_removed": 1, "rows_changed": 2}
    with engine.begin() as conn:
        conn.execute(
            insert(service_types),
            [
                dict(zip(["service_code", "service_name", "agency_responsible", "target_days", "is_sensitive"], t))
                for t in TYPES
            ],
        )
        conn.execute(
            insert(neighborhoods),
            [
                {
                    "neighborhood_code": c,
                    "name": n,
                    "centroid_lat": 39.755,
                    "centroid_long": w + 0.005,
                    "geometry_geojson": json.dumps(_square(w)),
                }
                for c, n, w in NEIGHBORHOODS
            ],
        )
        if rows:  # an empty release is allowed (specs=[])
            conn.execute(insert(service_requests), rows)
        if with_release:
            conn.execute(
                insert(releases),
                {
                    "version": VERSION,
                    "package_name": package["name"],
                    "title": package["title"],
                    "created": package["created"],
                    "data_through": DATA_THROUGH,
                    "timezone": TZ,
                    "license_name": "CC0-1.0",
                    "license_path": package["licenses"][0]["path"],
                    "source_title": "Test City 311 export",
                    "source_path": "https://example.org/test-city",
                    "is_demo": is_demo,
                    "rows_read": 17,
                    "rows_published": len(rows),
                    "rows_quarantined": 2,
                    "is_current": True,
                    "release_dir": str(release_dir),
                    "datapackage_json": json.dumps(package),
                    "report_json": json.dumps(report),
                    "changelog_json": json.dumps(changelog),
                },
            )
    engine.dispose()
    return SampleRelease(url=url, db_path=db_path, release_dir=release_dir)
