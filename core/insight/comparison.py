"""Fair comparison of neighborhoods: each against the city *for its own mix of request types*.

Indirect standardisation. A neighborhood that mostly asks for slow things (tree work) should not
look slow next to one that mostly asks for fast things (noise). For each neighborhood:

* ``median_days_to_close``: its observed median days to close against the *expected* median, the
  median of the citywide days to close of each type weighted by the neighborhood's share of that
  type ("its requests, each closing like the city closes that type"). Interval: the
  distribution-free interval of the observed median, over the expected. Test: the exact sign test.
* ``share_within_target``: its observed share of closures within the type's target against the
  expected share, the average over its requests of their type's citywide share. Interval:
  Clopper-Pearson, over the expected. Test: exact binomial test against the expected share.

Same requests as the portal's metrics: received in the period, marked closed, with a days to
close (and, for the share, of a type with a target). Citywide figures include requests with no
neighborhood. Neighborhoods under ``comparison_min_n`` get the verdict ``too_few`` and no
q-value: they are never ranked or coloured. Benjamini-Hochberg runs per measure.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .frames import city_frame, common_name, days_before, intake_end, local_time
from .settings import SETTINGS, Settings
from .stats import bh_qvalues, clopper_pearson, median_interval, sign_test

INPUT = ["requested_datetime", "neighborhood_code", "neighborhood", "service_code", "status", "days_to_close"]
MEASURES = ("median_days_to_close", "share_within_target")
COLUMNS = [
    "measure",
    "neighborhood_code",
    "neighborhood",
    "period_start_datetime",
    "period_end_datetime",
    "sample_size",
    "still_open",
    "observed",
    "expected",
    "ratio",
    "ratio_low",
    "ratio_high",
    "p_value",
    "q_value",
    "verdict",
]


def fair_comparison(
    data,
    targets: Mapping[str, float],
    as_of,
    period_days: int | None = None,
    settings: Settings = SETTINGS,
    tz: str | None = None,
) -> pd.DataFrame:
    """One row per neighborhood and measure (``COLUMNS``) over the requests received in the
    ``period_days`` days ending at the last request received by ``as_of`` (every request up to
    then when None).
    ``targets``: target days by service_code (types without one are left out of the share)."""
    frame, zone = city_frame(data, INPUT, tz, "fair_comparison")
    t = frame["requested_datetime"]
    end = intake_end(t, local_time(as_of, zone))
    start = days_before(end, period_days) if period_days else t.min() - pd.Timedelta(seconds=1)
    cohort = frame[(t > start) & (t <= end)]
    target = cohort["service_code"].map({k: float(v) for k, v in targets.items() if v is not None and v == v})
    parts = [_median_rows(cohort, settings), _share_rows(cohort.assign(target=target)[target.notna()], settings)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["neighborhood"] = out["neighborhood_code"].map(common_name(frame, "neighborhood_code", "neighborhood"))
    out["period_start_datetime"], out["period_end_datetime"] = start, end
    return out[COLUMNS].sort_values(["measure", "neighborhood_code"], kind="stable", ignore_index=True)


def _closed(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].eq("closed") & frame["days_to_close"].notna()


def _still_open(frame: pd.DataFrame) -> pd.Series:
    return frame[frame["status"].eq("open")].groupby("neighborhood_code").size()


def mixture_median(values_by_type: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> float:
    """Median of the mixture of the types' value distributions with these weights (by type):
    the first value where the mixture's cumulative share passes 1/2, or the mean of that value
    and the next when it reaches exactly 1/2 (as a median of an even count does)."""
    types = [s for s, w in weights.items() if w > 0]
    grid = np.unique(np.concatenate([values_by_type[s] for s in types]))
    total = sum(weights[s] for s in types)
    cdf = np.zeros(len(grid))
    for s in types:
        values = values_by_type[s]
        cdf += weights[s] / total * np.searchsorted(np.sort(values), grid, side="right") / len(values)
    k = int(np.searchsorted(cdf, 0.5 - 1e-12))
    if abs(cdf[k] - 0.5) <= 1e-12 and k + 1 < len(grid):
        return float((grid[k] + grid[k + 1]) / 2)
    return float(grid[k])


def _median_rows(cohort: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    closed = cohort[_closed(cohort)]
    city = {s: g.to_numpy(dtype="float64") for s, g in closed.groupby("service_code")["days_to_close"]}
    rows = []
    for code, hood in closed[closed["neighborhood_code"].notna()].groupby("neighborhood_code"):
        values = hood["days_to_close"].to_numpy(dtype="float64")
        mix = hood["service_code"].value_counts()
        expected = mixture_median(city, mix.to_dict())
        low, high = median_interval(values, settings.confidence)
        rows.append(_row(code, len(values), float(np.median(values)), expected, low, high, sign_test(values, expected)))
    return _finish(rows, "median_days_to_close", _still_open(cohort), settings, slower_when_higher=True)


def _share_rows(cohort: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    closed = cohort[_closed(cohort)].copy()
    closed["hit"] = closed["days_to_close"] <= closed["target"]
    city = closed.groupby("service_code")["hit"].mean()
    rows = []
    for code, hood in closed[closed["neighborhood_code"].notna()].groupby("neighborhood_code"):
        n, hits = len(hood), int(hood["hit"].sum())
        expected = float(city.loc[hood["service_code"]].mean())
        low, high = clopper_pearson(hits, n, settings.confidence)
        p = float(stats.binomtest(hits, n, expected).pvalue)
        rows.append(_row(code, n, hits / n, expected, float(low), float(high), p))
    return _finish(rows, "share_within_target", _still_open(cohort), settings, slower_when_higher=False)


def _row(code, n, observed, expected, low, high, p) -> dict:
    scale = 1 / expected if expected > 0 else np.nan
    return {
        "neighborhood_code": code,
        "sample_size": n,
        "observed": observed,
        "expected": expected,
        "ratio": observed * scale,
        "ratio_low": low * scale,
        "ratio_high": high * scale,
        "p_value": p,
    }


def _finish(rows, measure, still_open, settings: Settings, slower_when_higher: bool) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame()
    out = pd.DataFrame(rows)
    out["measure"] = measure
    out["still_open"] = out["neighborhood_code"].map(still_open).fillna(0).astype("int64")
    ranked = out["sample_size"] >= settings.comparison_min_n
    out["q_value"] = np.nan
    out.loc[ranked, "q_value"] = bh_qvalues(out.loc[ranked, "p_value"].to_numpy())
    higher = out["observed"] > out["expected"]
    slower = higher if slower_when_higher else ~higher & (out["observed"] < out["expected"])
    verdict = np.where(out["q_value"] <= settings.fdr, np.where(slower, "slower", "faster"), "as_expected")
    out["verdict"] = np.where(ranked, verdict, "too_few")
    return out
