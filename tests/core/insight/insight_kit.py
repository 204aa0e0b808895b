"""Small hand-made frames of published service_requests columns for the core.insight tests.

``request(...)`` is one row with sensible defaults; ``frame(rows)`` types the datetimes in the
city's zone, as a published release's Parquet file reads.
"""

from __future__ import annotations

import pandas as pd

ZONE = "America/Chicago"
DEFAULTS = {
    "service_request_id": None,
    "status": "open",
    "service_name": "Pothole",
    "service_code": "pothole",
    "agency_responsible": "Streets",
    "requested_datetime": None,
    "expected_datetime": None,
    "closed_datetime": None,
    "address": "100 block of MAIN ST",
    "lat": 41.881,
    "long": -87.623,
    "neighborhood_code": "A",
    "neighborhood": "Alder",
    "days_to_close": None,
    "location_precision": "point_3dp",
}
DATETIMES = ["requested_datetime", "expected_datetime", "closed_datetime"]


def at(text: str) -> pd.Timestamp:
    """A local time in the test city ('2024-04-01 12:00')."""
    return pd.Timestamp(text).tz_localize(ZONE)


def request(**values) -> dict:
    unknown = set(values) - set(DEFAULTS)
    assert not unknown, f"unknown columns {unknown}"
    return {**DEFAULTS, **values}


def frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(DEFAULTS))
    out["service_request_id"] = [r or f"R{i:05d}" for i, r in enumerate(out["service_request_id"])]
    for col in DATETIMES:
        out[col] = pd.to_datetime(out[col], utc=True).dt.tz_convert(ZONE).astype(f"datetime64[ns, {ZONE}]")
    out["days_to_close"] = pd.to_numeric(out["days_to_close"]).astype("float64")
    out["lat"], out["long"] = out["lat"].astype("float64"), out["long"].astype("float64")
    return out


def daily(start: str, days: int, per_day: int, hour: int = 12, **values) -> list[dict]:
    """``per_day`` requests at ``hour`` (one a minute) on each of ``days`` days from ``start``."""
    first = at(start)
    return [
        request(requested_datetime=first + pd.Timedelta(days=d, hours=hour, minutes=k), **values)
        for d in range(days)
        for k in range(per_day)
    ]
