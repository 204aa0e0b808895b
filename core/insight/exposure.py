"""How many requests a stretch of time "should" get: the weekday mix of the city's calendar.

A Monday usually brings more requests than a Sunday, and each type has its own pattern
(noise on weekends, missed pickups on collection days). The *exposure* of a period is the sum,
over the local days it covers, of the covered fraction of the day times that weekday's weight;
a weight of 1 is an average day. The expected count of a window is then the baseline's count
times ``exposure(window) / exposure(baseline)``: a window of five weekdays is compared with the
baseline's weekdays, not with its weekends. Within a day, requests are taken as evenly spread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def day_fractions(start: pd.Timestamp, end: pd.Timestamp, zone: str) -> pd.DataFrame:
    """One row per local calendar day that the period ``(start, end]`` touches: its weekday
    (Monday = 0) and the fraction of that day inside the period (days of 23 or 25 hours count
    by their own length)."""
    if end <= start:
        return pd.DataFrame({"weekday": np.array([], dtype="int64"), "fraction": np.array([], dtype="float64")})
    start, end = start.tz_convert(zone), end.tz_convert(zone)
    days = pd.date_range(start.tz_localize(None).normalize(), end.tz_localize(None).normalize(), freq="D")
    edges = pd.DatetimeIndex([*days, days[-1] + pd.Timedelta(days=1)])
    edges = edges.tz_localize(zone, ambiguous=np.zeros(len(edges), dtype=bool), nonexistent="shift_forward")
    edges = edges.as_unit("ns")
    lo = np.maximum(edges[:-1].asi8, start.as_unit("ns").value)
    hi = np.minimum(edges[1:].asi8, end.as_unit("ns").value)
    length = np.diff(edges.asi8).astype("float64")
    fraction = np.clip(hi - lo, 0, None) / length
    keep = fraction > 0
    return pd.DataFrame({"weekday": days.day_of_week[keep].to_numpy(), "fraction": fraction[keep]})


def weekday_days(fractions: pd.DataFrame) -> np.ndarray:
    """Days of each weekday (Monday first) that a period covers, as 7 numbers."""
    return np.bincount(fractions["weekday"], weights=fractions["fraction"], minlength=7)


def weekday_weights(counts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Weights (rows of 7) from request counts per weekday (rows of 7) and the days of each
    weekday they were counted over: each weekday's daily rate over the average of the daily
    rates, so an average day weighs 1. A weekday the period never covered weighs 1."""
    counts = np.atleast_2d(np.asarray(counts, dtype="float64"))
    covered = days > 0
    rates = np.where(covered, counts / np.where(covered, days, 1.0), np.nan)
    mean = np.nanmean(rates, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = rates / mean
    return np.where(covered & (mean > 0), weights, 1.0)


def exposure(fractions: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
    """Exposure of a period for each row of ``weights`` (one per type): sum of fraction x weight."""
    per_weekday = weekday_days(fractions)
    return np.atleast_2d(weights) @ per_weekday
