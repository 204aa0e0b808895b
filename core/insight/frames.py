"""Reading the published service_requests columns the insight tables need, whatever the frame.

Accepts a pandas DataFrame or a pyarrow Table (as read from the release's Parquet or CSV).
Datetimes may be timezone-aware (any zone) or ISO 8601 text with an offset; they are brought to
the city's zone, which is ``tz`` when given, else the zone of ``requested_datetime``.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

DATETIMES = ("requested_datetime", "closed_datetime", "expected_datetime", "updated_datetime")


class InsightInputError(ValueError):
    """The frame lacks a column a statistic needs, or its datetimes carry no zone."""


def city_frame(data, columns: list[str], tz: str | None, what: str) -> tuple[pd.DataFrame, str]:
    """``(frame with just columns, city zone)``; datetimes converted to that zone."""
    frame = data.to_pandas() if isinstance(data, pa.Table) else data
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InsightInputError(f"{what}: the frame has no column {', '.join(map(repr, missing))}")
    out = frame[columns].copy()
    zone = tz or _zone_of(out.get("requested_datetime"))
    if zone is None:
        raise InsightInputError(f"{what}: requested_datetime carries no time zone; pass tz (the city's zone)")
    for col in DATETIMES:
        if col in out.columns:
            out[col] = _in_zone(out[col], zone, what, col)
    return out, zone


def _zone_of(series: pd.Series | None) -> str | None:
    if series is None or not isinstance(series.dtype, pd.DatetimeTZDtype):
        return None
    return str(series.dt.tz)


def _in_zone(series: pd.Series, zone: str, what: str, col: str) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert(zone)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        raise InsightInputError(f"{what}: {col} has no time zone (naive datetimes are ambiguous)")
    text = series.astype("string").replace("", pd.NA)
    return pd.to_datetime(text, utc=True, format="ISO8601").dt.tz_convert(zone)


def local_time(moment, zone: str) -> pd.Timestamp:
    """``moment`` (tz-aware) in the city's zone; a naive one is refused (it would be ambiguous)."""
    ts = pd.Timestamp(moment)
    if ts.tzinfo is None:
        raise InsightInputError(f"as_of {ts} has no time zone")
    return ts.tz_convert(zone)


def days_before(moment: pd.Timestamp, days: float) -> pd.Timestamp:
    """The same local clock time ``days`` calendar days earlier (a week before Monday 00:00 is the
    previous Monday 00:00, across a daylight-saving change too); a time that does not exist that
    day moves forward to the first that does."""
    earlier = moment.tz_localize(None) - pd.Timedelta(days=days)
    return earlier.tz_localize(moment.tz, nonexistent="shift_forward", ambiguous=False)


def intake_end(requested: pd.Series, as_of: pd.Timestamp) -> pd.Timestamp:
    """Where recent periods end: the last request received by ``as_of`` (``as_of`` itself when
    there is none). Data often runs on after its last request (late closures); a window reaching
    past it would count that quiet as a drop. The portal's "latest period" ends there too."""
    last = requested[requested <= as_of].max()
    return as_of if pd.isna(last) else last


def as_known_at(data, moment) -> pd.DataFrame:
    """The requests as they stood at ``moment``: those received by then, with a closure after
    it undone (status 'open', no close time, no days to close). For holding out the recent past."""
    frame = data.to_pandas() if isinstance(data, pa.Table) else data
    moment = pd.Timestamp(moment)
    known = frame[frame["requested_datetime"] <= moment].copy()
    later = known["closed_datetime"].notna() & (known["closed_datetime"] > moment)
    known.loc[later, "status"] = "open"
    known.loc[later, "closed_datetime"] = pd.NaT
    if "days_to_close" in known.columns:
        known.loc[later, "days_to_close"] = float("nan")
    return known.reset_index(drop=True)


def common_name(frame: pd.DataFrame, code: str, name: str) -> pd.Series:
    """The most common ``name`` of each ``code`` (ties: the first in alphabetical order)."""
    counts = frame.groupby([code, name], observed=True, dropna=True).size().reset_index(name="n")
    counts = counts.sort_values([code, "n", name], ascending=[True, False, True])
    return counts.drop_duplicates(code).set_index(code)[name]
