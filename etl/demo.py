"""Demo City: deterministic, generated 311 data for a fictional city (DEMO DATA, not a real city).

`generate_demo_requests` builds a raw export shaped like `etl/profiles/demo.toml` expects, with a
known, exact number of planted faults (see `planted_fault_counts`) so every cleaning rule has
something to act on. `build_demo_boundaries` builds the 12 neighborhoods committed as
`etl/profiles/demo-neighborhoods.geojson`. Everything comes from `numpy.random.default_rng(seed)`;
nothing reads the clock, and nothing does I/O except the two `write_*` functions.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
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


def planted_fault_counts(n_rows: int = 6000) -> dict[str, int]:
    """Exact number of rows carrying each planted fault for `n_rows` output rows."""
    n_dup = max(1, round(n_rows * FAULT_RATES["duplicate_id"]))
    n_base = n_rows - n_dup
    counts = {k: max(1, round(n_base * r)) for k, r in FAULT_RATES.items()}
    counts["duplicate_id"] = n_dup
    return counts


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


def _polygons() -> list:
    return [shapely.geometry.shape(f["geometry"]) for f in build_demo_boundaries()["features"]]


def _sample_opened(rng, n: int, through: date, days: int) -> np.ndarray:
    """Sorted UTC epoch seconds of opening, with weekday, trend and hour-of-day seasonality."""
    start = datetime.combine(through - timedelta(days=days - 1), time())
    dow = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.65, 0.55])
    day_w = dow[(start.weekday() + np.arange(days)) % 7] * np.linspace(0.9, 1.1, days)
    hour_w = np.array([1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1.0])
    day = rng.choice(days, size=n, p=day_w / day_w.sum())
    hour = rng.choice(24, size=n, p=hour_w / hour_w.sum())
    secs = day * 86400 + hour * 3600 + rng.integers(0, 3600, size=n)
    local = pd.DatetimeIndex(pd.Timestamp(start) + pd.to_timedelta(np.sort(secs), unit="s"))
    return _to_utc_seconds(local)


def _to_utc_seconds(local: pd.DatetimeIndex) -> np.ndarray:
    aware = local.tz_localize(TIMEZONE, nonexistent="shift_forward", ambiguous=np.zeros(len(local), dtype=bool))
    return aware.tz_convert("UTC").as_unit("s").asi8


def _format_local(utc_seconds: np.ndarray) -> np.ndarray:
    stamps = pd.to_datetime(utc_seconds, unit="s", utc=True).tz_convert(TIMEZONE)
    return np.asarray(stamps.strftime(DATETIME_FORMAT), dtype=object)


def _sample_points(rng, polygons: list, hood: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points strictly inside each row's neighborhood (checked after rounding)."""
    lat, lon = np.zeros(len(hood)), np.zeros(len(hood))
    for k, poly in enumerate(polygons):
        idx = np.flatnonzero(hood == k)
        x0, y0, x1, y1 = poly.bounds
        got_x, got_y = [], []
        while sum(map(len, got_x)) < len(idx):
            x = np.round(rng.uniform(x0, x1, 2 * len(idx) + 8), 6)
            y = np.round(rng.uniform(y0, y1, 2 * len(idx) + 8), 6)
            ok = shapely.contains_xy(poly, x, y)
            got_x.append(x[ok]), got_y.append(y[ok])
        lon[idx] = np.concatenate(got_x)[: len(idx)]
        lat[idx] = np.concatenate(got_y)[: len(idx)]
    return lat, lon


def _base_requests(rng, n: int, through: date, days: int) -> pd.DataFrame:
    """Clean requests (no faults) as typed columns plus helper columns prefixed with '_'."""
    opened = _sample_opened(rng, n, through, days)
    asof = _to_utc_seconds(pd.DatetimeIndex([datetime.combine(through + timedelta(days=1), time())]))[0]
    tw = np.array([t[2] for t in TYPES])
    hw = np.array([h[2] for h in NEIGHBORHOODS])
    typ = rng.choice(len(TYPES), size=n, p=tw / tw.sum())
    hood = rng.choice(len(NEIGHBORHOODS), size=n, p=hw / hw.sum())
    median = np.array([t[4] for t in TYPES])[typ] * np.array([h[3] for h in NEIGHBORHOODS])[hood]
    dur = np.maximum(300, median * 86400 * np.exp(0.9 * rng.standard_normal(n))).astype(np.int64)
    stuck = rng.uniform(size=n) < 0.08  # a backlog that lingers: the long tail
    dur = np.where(stuck, dur * rng.uniform(3, 10, size=n), dur).astype(np.int64)
    closed_kind = rng.choice(3, size=n, p=[0.88, 0.07, 0.05])
    dur = np.where(closed_kind > 0, np.maximum(300, dur // 3), dur)
    closed = opened + dur
    is_open = closed > asof
    last = np.where(is_open, opened + (rng.uniform(0, 1, n) * (asof - opened)).astype(np.int64), closed)
    open_kind = rng.choice(3, size=n, p=[0.3, 0.35, 0.35])
    status = np.where(
        is_open,
        np.array(["New", "Assigned", "In Progress"])[open_kind],
        np.array(["Completed", "Cancelled", "Duplicate"])[closed_kind],
    )
    return pd.DataFrame(
        {
            "_opened": opened,
            "_last": last,
            "_closed": np.where(is_open, -1, closed),
            "_type": typ,
            "_hood": hood,
            "status": status,
        }
    )


def _text_columns(rng, df: pd.DataFrame) -> pd.DataFrame:
    n = len(df)
    names = np.array([t[0] for t in TYPES], dtype=object)[df["_type"]]
    df["category"] = names
    df["department"] = np.array([t[1] for t in TYPES], dtype=object)[df["_type"]]
    pick = rng.integers(0, 1000, size=(n, 4))
    df["details"] = [DETAILS[t][p % len(DETAILS[t])] for t, p in zip(names, pick[:, 0])]
    df["resolution"] = [
        RESOLUTIONS[s][p % len(RESOLUTIONS[s])] if s in RESOLUTIONS else "" for s, p in zip(df["status"], pick[:, 1])
    ]
    house = rng.integers(1, 99, size=n) * 100 + rng.integers(0, 99, size=n)
    s1, s2 = pick[:, 2] % len(STREETS), (pick[:, 2] + 1 + pick[:, 3] % 5) % len(STREETS)
    corner = rng.uniform(size=n) < 0.1
    df["street_address"] = np.where(
        corner,
        [f"{STREETS[a]} & {STREETS[b]}" for a, b in zip(s1, s2)],
        [f"{h} {STREETS[a]}" for h, a in zip(house, s1)],
    )
    df["zip"] = [f"{80201 + h}" for h in df["_hood"]]
    df["district_code"] = np.array([h[0] for h in NEIGHBORHOODS], dtype=object)[df["_hood"]]
    df["source"] = rng.choice(SOURCES[0], size=n, p=SOURCES[1])
    photo = rng.uniform(size=n) < np.where(df["source"] == "App", 0.5, 0.05)
    df["photo"] = np.where(photo, [f"https://media.example.org/p/{i + 1000}.jpg" for i in range(n)], "")
    return _reporters(rng, df)


def _reporters(rng, df: pd.DataFrame) -> pd.DataFrame:
    """Fake but realistically shaped personal data: must never be published."""
    n = len(df)
    first = rng.choice(FIRST, size=n)
    last = rng.choice(LAST, size=n)
    named = rng.uniform(size=n) < 0.45
    phone = named & (rng.uniform(size=n) < 0.8)
    email = named & (rng.uniform(size=n) < 0.6)
    digits = rng.integers(0, 10000, size=n)
    df["reporter_name"] = np.where(named, [f"{a} {b}" for a, b in zip(first, last)], "")
    df["reporter_phone"] = np.where(phone, [f"(555) 01{d % 10}-{d:04d}" for d in digits], "")
    df["reporter_email"] = np.where(email, [f"{a}.{b}@example.com".lower() for a, b in zip(first, last)], "")
    return df


def _place(rng, df: pd.DataFrame) -> pd.DataFrame:
    """Points inside each request's neighborhood; information calls sit at the call centre."""
    polys = _polygons()
    lat, lon = _sample_points(rng, polys, df["_hood"].to_numpy())
    info = (df["category"] == INFO_TYPE).to_numpy()
    k = [h[0] for h in NEIGHBORHOODS].index(CALL_CENTRE_CODE)
    centre = polys[k].centroid
    lat[info], lon[info] = round(centre.y, 6), round(centre.x, 6)
    df["latitude"] = [f"{v:.6f}" for v in lat]
    df["longitude"] = [f"{v:.6f}" for v in lon]
    df.loc[info, ["street_address", "district_code", "zip"]] = [PLACEHOLDER_ADDRESS, CALL_CENTRE_CODE, f"{80201 + k}"]
    df.loc[info & df["resolution"].ne(""), "resolution"] = "Information provided"
    return df


def _timestamps(df: pd.DataFrame) -> pd.DataFrame:
    df["opened_at"] = _format_local(df["_opened"].to_numpy())
    df["last_update"] = _format_local(df["_last"].to_numpy())
    closed = df["_closed"].to_numpy()
    df["closed_at"] = np.where(closed >= 0, _format_local(np.maximum(closed, 0)), "")
    target = pd.Series([TYPES[t][3] for t in df["_type"]], dtype="float64")
    due = pd.to_datetime(df["opened_at"], format=DATETIME_FORMAT) + pd.to_timedelta(target.fillna(0), unit="D")
    df["due"] = np.where(target.notna(), due.dt.strftime(DATETIME_FORMAT), "")
    year = df["opened_at"].str[:4]
    df["request_id"] = [f"DC-{y}-{i + 1:06d}" for i, y in enumerate(year)]
    return df


def _choose(order: np.ndarray, eligible: np.ndarray, taken: np.ndarray, k: int) -> np.ndarray:
    rows = order[eligible[order] & ~taken[order]][:k]
    if len(rows) < k:
        raise ValueError(f"only {len(rows)} rows can carry a fault that needs {k}")
    taken[rows] = True
    return rows


def _plant_faults(rng, df: pd.DataFrame, counts: dict[str, int]) -> pd.DataFrame:
    """Plant each fault on its own disjoint set of rows; returns the duplicates' final copies."""
    order = rng.permutation(len(df))
    taken = (df["category"] == INFO_TYPE).to_numpy().copy()
    is_open = df["closed_at"].eq("").to_numpy()
    done = df["status"].eq("Completed").to_numpy()
    anyrow = np.ones(len(df), dtype=bool)
    pick = {
        name: _choose(order, ok, taken, counts[name])
        for name, ok in [
            ("duplicate_id", done),
            ("closed_before_opened", ~is_open),
            ("closed_at_on_open", is_open),
            ("mojibake_resolution", done),
            ("missing_coordinates", anyrow),
            ("zero_coordinates", anyrow),
            ("outside_point", anyrow),
            ("pii_in_text", anyrow),
            ("mixed_case_category", anyrow),
            ("blank_zip", anyrow),
            ("blank_due", df["due"].ne("").to_numpy()),
            ("foreign_media_host", anyrow),
        ]
    }
    final = df.iloc[np.sort(pick["duplicate_id"])].copy()
    r = pick["duplicate_id"]
    df.loc[r, ["status", "closed_at", "resolution"]] = ["In Progress", "", ""]
    half = df.loc[r, "_opened"] + (df.loc[r, "_closed"] - df.loc[r, "_opened"]) // 2
    df.loc[r, "last_update"] = _format_local(half.to_numpy())
    r = pick["closed_before_opened"]
    early = df.loc[r, "_opened"] - rng.integers(3600, 5 * 86400, size=len(r))
    df.loc[r, "closed_at"] = _format_local(early.to_numpy())
    r = pick["closed_at_on_open"]
    df.loc[r, "closed_at"] = df.loc[r, "last_update"]
    df.loc[pick["mojibake_resolution"], "resolution"] = MOJIBAKE_NOTE
    df.loc[pick["missing_coordinates"], ["latitude", "longitude"]] = ""
    df.loc[pick["zero_coordinates"], ["latitude", "longitude"]] = "0.0"
    r = pick["outside_point"]
    df.loc[r, "latitude"] = [f"{float(v) + 0.25:.6f}" for v in df.loc[r, "latitude"]]
    r = np.sort(pick["pii_in_text"])
    df.loc[r[0::2], "details"] = df.loc[r[0::2], "details"] + ". " + PII_NOTES[0]
    df.loc[r[1::2], "resolution"] = PII_NOTES[1]
    r = np.sort(pick["mixed_case_category"])
    df.loc[r[0::2], "category"] = df.loc[r[0::2], "category"].str.upper()
    df.loc[r[1::2], "category"] = df.loc[r[1::2], "category"].str.lower()
    df.loc[pick["blank_zip"], "zip"] = ""
    df.loc[pick["blank_due"], "due"] = ""
    df.loc[pick["foreign_media_host"], "photo"] = "https://evil.example.net/x.jpg"
    return final


def generate_demo_requests(
    n_rows: int = 6000, seed: int = 311, through: date = date(2026, 10, 31), days: int = 120
) -> pd.DataFrame:
    """A raw Demo City export (all columns str, '' for missing) with the planted faults of
    `planted_fault_counts(n_rows)`; duplicates' later copies are appended at the end."""
    counts = planted_fault_counts(n_rows)
    rng = np.random.default_rng(seed)
    df = _base_requests(rng, n_rows - counts["duplicate_id"], through, days)
    df = _place(rng, _text_columns(rng, df))
    df = _timestamps(df)
    final = _plant_faults(rng, df, counts)
    out = pd.concat([df, final], ignore_index=True)[COLUMNS]
    return out.astype(object).astype("str").reset_index(drop=True)


def write_demo_input(out_dir: Path, n_rows: int = 6000, seed: int = 311) -> Path:
    """Write `out_dir/requests.csv` (UTF-8, LF line ends, header) and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "requests.csv"
    frame = generate_demo_requests(n_rows=n_rows, seed=seed)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
