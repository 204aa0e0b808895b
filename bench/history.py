"""A real city's extract rebuilt as a history of weeks, for the calibration benchmark.

The extracts in ../shared/data cover hours (New York City), a day and a half (Chicago) or four
days (Los Angeles) of requests: too short to hold anything out. ``spread_extract`` writes each
real request exactly once, in the city's own raw layout, with all of its dates moved by the same
random whole number of days in ``[0, days)``: every request keeps its own type, neighborhood,
status and time to close, and its time of day. The history has no real change over time by
construction (every day is a random draw of the same requests), which is what a check of false
"rising" flags needs; the real variety of closing times is what a check of completion windows
needs. Written into the work folder, never into the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .inputs import SHARED


@dataclass(frozen=True)
class Extract:
    key: str
    profile: str
    path: Path
    date_cols: tuple[str, ...]  # the first is the request time
    date_format: str | None  # None: ISO 8601


EXTRACTS = {
    "nyc": Extract(
        "nyc",
        "new-york-city",
        SHARED / "data" / "new-york-city" / "test_sample3.csv",
        ("Created Date", "Closed Date", "Due Date", "Resolution Action Updated Date"),
        "%m/%d/%Y %I:%M:%S %p",
    ),
    "la": Extract(
        "la",
        "los-angeles",
        SHARED / "data" / "los-angeles" / "MyLA311_Service_Request_Data_2017_Subset.csv",
        ("CreatedDate", "UpdatedDate", "ServiceDate", "ClosedDate"),
        "%m/%d/%Y %I:%M:%S %p",
    ),
    "chicago": Extract(
        "chicago",
        "chicago",
        SHARED / "data" / "chicago" / "chicago_311_data.csv",
        ("created_date", "last_modified_date", "closed_date"),
        None,
    ),
}


def read_extract(extract: Extract) -> pd.DataFrame:
    if not extract.path.is_file():
        raise SystemExit(f"bench: {extract.path} not found (../shared beside the repo)")
    return pd.read_csv(extract.path, dtype=str, keep_default_na=False, encoding_errors="replace")


def _parse(text: pd.Series, date_format: str | None) -> pd.Series:
    return pd.to_datetime(text.replace("", None), format=date_format or "ISO8601", errors="coerce")


def intake_days(extract: Extract) -> float:
    """Days between the extract's first and last request (its own span of intake)."""
    created = _parse(read_extract(extract)[extract.date_cols[0]], extract.date_format)
    return (created.max() - created.min()) / pd.Timedelta(days=1)


def spread_extract(extract: Extract, dest: Path, days: int, seed: int) -> Path:
    """Write the extract as a ``days``-day history (each request once, moved by whole days)."""
    raw = read_extract(extract)
    shift = pd.to_timedelta(np.random.default_rng(seed).integers(0, days, len(raw)), unit="D")
    out_format = extract.date_format or "%Y-%m-%dT%H:%M:%S"
    for col in extract.date_cols:
        moved = _parse(raw[col], extract.date_format) + shift
        raw[col] = moved.dt.strftime(out_format).where(moved.notna(), raw[col])
    dest.parent.mkdir(parents=True, exist_ok=True)
    raw.to_csv(dest, index=False)
    return dest
