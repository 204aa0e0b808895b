"""The demo city as data: its columns, neighborhoods (and their boundaries), request types,
streets and planted faults.

A fictional city (DEMO DATA, not a real one). etl/demo.py generates its raw export from these;
``etl/profiles/demo.toml`` reads that export.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely

COLUMNS = [
    "request_id",
    "opened_at",
    "last_update",
    "due",
    "closed_at",
    "status",
    "resolution",
    "category",
    "details",
    "department",
    "street_address",
    "zip",
    "latitude",
    "longitude",
    "district_code",
    "source",
    "photo",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
]
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIMEZONE = "America/Denver"
PLACEHOLDER_ADDRESS = "1 CIVIC CENTER PLAZA"
CALL_CENTRE_CODE = "N06"  # the call centre sits at this neighborhood's centroid
BOUNDARY_SEED = 4

NEIGHBORHOODS = [  # code, name, relative volume, slowness factor on days to close
    ("N01", "Maple Hill", 0.8, 0.8),
    ("N02", "Riverside Flats", 1.5, 1.3),
    ("N03", "Juniper Park", 0.9, 1.0),
    ("N04", "Kestrel Heights", 0.6, 0.9),
    ("N05", "Old Mill", 1.2, 1.8),
    ("N06", "Civic Quarter", 1.0, 1.0),
    ("N07", "Lantern Row", 1.4, 1.6),
    ("N08", "Cottonwood Bend", 0.7, 0.9),
    ("N09", "Aspen Terrace", 0.8, 0.8),
    ("N10", "Foundry District", 1.3, 2.2),
    ("N11", "Prairie Gate", 0.9, 1.1),
    ("N12", "Willow Creek", 0.7, 0.85),
]
TYPES = [  # name, department, weight, target days (None: no target), median days to close
    ("Pothole", "Streets", 17, 5, 3.5),
    ("Streetlight Out", "Public Works", 9, 7, 5.0),
    ("Missed Trash Pickup", "Sanitation", 14, 2, 1.2),
    ("Graffiti", "Sanitation", 8, 10, 6.0),
    ("Noise Complaint", "Police Non-Emergency", 10, 1, 0.4),
    ("Illegal Dumping", "Sanitation", 8, 7, 4.5),
    ("Abandoned Vehicle", "Transportation", 6, 14, 9.0),
    ("Tree Maintenance", "Parks", 5, 30, 20.0),
    ("Water Leak", "Water", 5, 3, 1.8),
    ("Welfare Check", "Human Services", 1.2, 1, 0.3),
    ("Homeless Person Assistance", "Human Services", 1.2, None, 2.0),
    ("Police Matter Referral", "Police Non-Emergency", 0.8, None, 0.5),
    ("311 Information Only", "311 Call Centre", 8, None, 0.02),
]
INFO_TYPE = "311 Information Only"
DETAILS = {
    "Pothole": ["Large pothole in the right lane", "Pothole near the crosswalk", "Deep hole, cars swerving"],
    "Streetlight Out": ["Streetlight out all night", "Light flickering on and off", "Two lights out on the block"],
    "Missed Trash Pickup": ["Cart was out but not collected", "Whole alley missed this week"],
    "Graffiti": ["Graffiti on the café wall", "Tags on the bus shelter", "Graffiti on a fence"],
    "Noise Complaint": ["Loud music after midnight", "Construction noise before 7am"],
    "Illegal Dumping": ["Mattress dumped in the alley", "Pile of tires by the curb"],
    "Abandoned Vehicle": ["Car has not moved in weeks", "Vehicle with flat tires and no plates"],
    "Tree Maintenance": ["Branch hanging over the sidewalk", "Dead tree in the parkway"],
    "Water Leak": ["Water bubbling up from the street", "Leak at the meter pit"],
    "Welfare Check": ["Neighbor has not been seen for days", "Elderly resident not answering door"],
    "Homeless Person Assistance": ["Person sleeping at the bus stop needs help", "Camp near the creek path"],
    "Police Matter Referral": ["Caller reporting suspicious activity", "Referred to police dispatch"],
    INFO_TYPE: ["Asked about trash pickup days", "Asked for the permit office hours"],
}
RESOLUTIONS = {
    "Completed": [
        "Work completed",
        "Crew resolved the issue",
        "Inspected and closed",
        "Crew couldn’t locate the problem",
    ],
    "Cancelled": ["Cancelled at requester's request", "Not a city responsibility"],
    "Duplicate": ["Duplicate of an earlier request"],
}
MOJIBAKE_NOTE = "Crew couldn’t access the site".encode().decode("latin-1")
PII_NOTES = ["Please call me at 555-010-7788", "Reply to me at resident.demo@example.com"]
STREETS = [
    "MAPLE AVE",
    "ASPEN ST",
    "LARKSPUR LN",
    "BIRCH ST",
    "JUNIPER WAY",
    "COTTONWOOD DR",
    "PRAIRIE AVE",
    "MESA BLVD",
    "WILLOW CT",
    "CEDAR ST",
    "KESTREL RD",
    "SUNFLOWER LN",
    "3RD ST",
    "7TH AVE",
    "12TH ST",
    "19TH AVE",
    "FOUNDRY RD",
    "LANTERN ROW",
]
SOURCES = (["Phone", "Web", "App", "Email", "Counter"], [0.35, 0.25, 0.25, 0.10, 0.05])
FIRST = ["Jane", "John", "Alex", "Sam", "Maria", "Chen", "Priya", "Omar", "Lena", "Theo"]
LAST = ["Demo", "Sample", "Example", "Placeholder", "Testcase"]

# Planted faults: fraction of the unique requests (at least 1 each). Disjoint rows, exact counts.
FAULT_RATES = {
    "missing_coordinates": 0.01,
    "zero_coordinates": 0.005,
    "outside_point": 0.005,
    "closed_before_opened": 0.005,
    "closed_at_on_open": 0.005,
    "mojibake_resolution": 0.01,
    "pii_in_text": 0.01,
    "duplicate_id": 0.005,
    "mixed_case_category": 0.01,
    "blank_zip": 0.01,
    "blank_due": 0.005,
    "foreign_media_host": 0.003,
}


def build_demo_boundaries() -> dict:
    """12 neighborhoods: a 4x3 grid of jittered quadrilaterals sharing exact edges (WGS 84)."""
    rng = np.random.default_rng(BOUNDARY_SEED)
    lons = -104.99 + 0.04 * (np.arange(5) - 2.0)
    lats = 39.74 + 0.03 * (np.arange(4) - 1.5)
    jx = rng.uniform(-0.006, 0.006, size=(4, 5))
    jy = rng.uniform(-0.004, 0.004, size=(4, 5))
    node = [
        [(round(float(lons[i] + jx[j, i]), 6), round(float(lats[j] + jy[j, i]), 6)) for i in range(5)] for j in range(4)
    ]
    features = []
    for k, (code, name, _, _) in enumerate(NEIGHBORHOODS):
        row, col = 2 - k // 4, k % 4  # N01 is the north-west cell, reading west to east
        ring = [node[row][col], node[row][col + 1], node[row + 1][col + 1], node[row + 1][col]]
        ring = [list(p) for p in ring + ring[:1]]  # south-west first: counter-clockwise
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "name": "Demo City neighborhoods (DEMO DATA, fictional)", "features": features}


def write_demo_boundaries(path: Path) -> Path:
    """Write `build_demo_boundaries()` as the committed GeoJSON file."""
    path = Path(path)
    fc = build_demo_boundaries()
    head = json.dumps({k: v for k, v in fc.items() if k != "features"})[:-1]
    rows = ",\n".join(json.dumps(f) for f in fc["features"])
    path.write_text(f'{head}, "features": [\n{rows}\n]}}\n', encoding="utf-8")
    return path


def demo_polygons() -> list:
    """The neighborhoods as shapely polygons, in NEIGHBORHOODS order."""
    return [shapely.geometry.shape(f["geometry"]) for f in build_demo_boundaries()["features"]]
