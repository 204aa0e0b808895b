"""Demo City: deterministic, generated 311 data for a fictional city (DEMO DATA, not a real city).

`generate_demo_requests` builds a raw export shaped like `etl/profiles/demo.toml` expects, with a
known, exact number of planted faults (see `planted_fault_counts`) so every cleaning rule has
something to act on. The city itself (neighborhoods, types, streets; `build_demo_boundaries`,
the 12 neighborhoods committed as `etl/profiles/demo-neighborhoods.geojson`) is data in
etl/demo_city.py. Everything comes from `numpy.random.default_rng(seed)`;
nothing reads the clock, and nothing does I/O except the two `write_*` functions.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from .demo_city import (
    CALL_CENTRE_CODE,
    COLUMNS,
    DATETIME_FORMAT,
    DETAILS,
    FAULT_RATES,
    FIRST,
    INFO_TYPE,
    LAST,
    MOJIBAKE_NOTE,
    NEIGHBORHOODS,
    PII_NOTES,
    PLACEHOLDER_ADDRESS,
    RESOLUTIONS,
    SOURCES,
    STREETS,
    TIMEZONE,
    TYPES,
    demo_polygons,
)


def planted_fault_counts(n_rows: int = 6000) -> dict[str, int]:
    """Exact number of rows carrying each planted fault for `n_rows` output rows."""
    n_dup = max(1, round(n_rows * FAULT_RATES["duplicate_id"]))
    n_base = n_rows - n_dup
    counts = {k: max(1, round(n_base * r)) for k, r in FAULT_RATES.items()}
    counts["duplicate_id"] = n_dup
    return counts


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
    polys = demo_polygons()
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
