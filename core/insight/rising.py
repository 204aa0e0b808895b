"""What is rising: recent requests against each cell's own baseline, with the false discovery
rate controlled across every cell tested.

A *cell* is a neighborhood x request type (``rising_cells``) or a request type citywide
(``citywide_surges``). Each window (the last 7 and 28 days, or the last 24 hours and 7 days for
surges) ends at the last request received by ``as_of`` (``frames.intake_end``); its baseline is
the ``baseline_weeks`` weeks before it. The expected count is the baseline's count scaled by the
weekday mix (``exposure``); the test is the exact conditional test of two Poisson rates
(``stats.rate_ratio_test``), then Benjamini-Hochberg over all tests of the table. A cell is tested
only with at least ``rising_min_total`` requests in window and baseline together (a filter on the
total, which does not bias the conditional test), and flagged only with at least
``rising_min_observed`` in the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .exposure import day_fractions, exposure, weekday_days, weekday_weights
from .frames import city_frame, common_name, days_before, intake_end, local_time
from .settings import SETTINGS, Settings
from .stats import bh_qvalues, rate_ratio_test

INPUT = ["requested_datetime", "neighborhood_code", "neighborhood", "service_code", "service_name"]
TEST_COLUMNS = ["observed", "baseline_count", "expected", "ratio", "ratio_low", "ratio_high", "p_value", "q_value"]
WINDOW_COLUMNS = [
    "window_days",
    "window_start_datetime",
    "window_end_datetime",
    "baseline_start_datetime",
    "baseline_end_datetime",
]
COLUMNS = [
    *WINDOW_COLUMNS,
    "neighborhood_code",
    "neighborhood",
    "service_code",
    "service_name",
    *TEST_COLUMNS,
    "sample_size",
    "rising",
]
SURGE_COLUMNS = [
    *WINDOW_COLUMNS,
    "service_code",
    "service_name",
    *TEST_COLUMNS,
    "sample_size",
    "surge",
    "neighborhoods_with_requests",
    "neighborhoods_above_expected",
    "top_neighborhood_code",
    "top_neighborhood",
    "top_neighborhood_share",
]


@dataclass(frozen=True)
class Window:
    """A recent window ``(start, end]`` and its baseline ``(baseline_start, start]``."""

    days: int
    start: pd.Timestamp
    end: pd.Timestamp
    baseline_start: pd.Timestamp

    def labels(self) -> dict:
        return {
            "window_days": self.days,
            "window_start_datetime": self.start,
            "window_end_datetime": self.end,
            "baseline_start_datetime": self.baseline_start,
            "baseline_end_datetime": self.start,
        }


def window_for(days: int, as_of: pd.Timestamp, history_start: pd.Timestamp, settings: Settings) -> Window | None:
    """The window of ``days`` ending at ``as_of``, its baseline cut to the history; None when the
    history leaves the baseline shorter than ``min_baseline_days``."""
    start = days_before(as_of, days)
    baseline_start = max(days_before(start, 7 * settings.baseline_weeks), history_start)
    if baseline_start > days_before(start, settings.min_baseline_days):
        return None
    return Window(days, start, as_of, baseline_start)


def history_note(data, as_of, settings: Settings = SETTINGS, tz: str | None = None) -> str | None:
    """Why nothing can be tested (too little history before the windows), or None."""
    frame, zone = city_frame(data, ["requested_datetime"], tz, "rising")
    end = intake_end(frame["requested_datetime"], local_time(as_of, zone))
    first = frame["requested_datetime"].min()
    if pd.isna(first):
        return "No requests: nothing to test."
    longest = max(settings.rising_windows_days)
    if first <= days_before(days_before(end, longest), settings.min_baseline_days):
        return None
    span = (end - first) / pd.Timedelta(days=1)
    return (
        f"The requests span {span:.1f} days: testing needs the {longest}-day window and at least "
        f"{settings.min_baseline_days} days of baseline before it, so nothing was tested."
    )


def _prepare(data, tz: str | None, what: str) -> tuple[pd.DataFrame, str]:
    frame, zone = city_frame(data, INPUT, tz, what)
    frame = frame[frame["requested_datetime"].notna() & frame["service_code"].notna()].reset_index(drop=True)
    frame["weekday"] = frame["requested_datetime"].dt.day_of_week
    return frame, zone


def baseline_weekday_counts(frame: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Requests per service_code (rows, every code of the frame) and local weekday (columns 0-6,
    Monday first) in the window's baseline."""
    t = frame["requested_datetime"]
    base = frame[(t > window.baseline_start) & (t <= window.start)]
    codes = pd.Index(frame["service_code"].unique(), name="service_code")
    return pd.crosstab(base["service_code"], base["weekday"]).reindex(index=codes, columns=range(7), fill_value=0)


def type_exposures(counts: pd.DataFrame, window: Window, zone: str, settings: Settings) -> pd.DataFrame:
    """Per service_code: the exposure of the window (``xw``) and of the baseline (``xb``), from
    the type's own weekday pattern in the baseline (``counts``, as ``baseline_weekday_counts``),
    or from all requests' pattern when the type has fewer than ``weekday_profile_min``."""
    base_days = day_fractions(window.baseline_start, window.start, zone)
    recent_days = day_fractions(window.start, window.end, zone)
    days = weekday_days(base_days)
    values = counts.to_numpy(dtype="float64")
    weights = weekday_weights(values, days)
    overall = weekday_weights(values.sum(axis=0), days)
    own = values.sum(axis=1) >= settings.weekday_profile_min
    weights = np.where(own[:, None], weights, overall)
    return pd.DataFrame({"xw": exposure(recent_days, weights), "xb": exposure(base_days, weights)}, index=counts.index)


def _counts(frame: pd.DataFrame, window: Window, keys: list[str]) -> pd.DataFrame:
    """Per cell: ``observed`` in the window and ``baseline_count`` in its baseline."""
    t = frame["requested_datetime"]
    recent = frame[(t > window.start) & (t <= window.end)].groupby(keys, observed=True).size()
    base = frame[(t > window.baseline_start) & (t <= window.start)].groupby(keys, observed=True).size()
    both = pd.concat({"observed": recent, "baseline_count": base}, axis=1).fillna(0).astype("int64")
    return both.reset_index()


def score_cells(cells: pd.DataFrame, exposures: pd.DataFrame, window: Window, settings: Settings) -> pd.DataFrame:
    """The cells (``observed``, ``baseline_count`` and a ``service_code``) with a total of at
    least ``rising_min_total``, with the test's columns and the window's; no q-value yet."""
    cells = cells[cells["observed"] + cells["baseline_count"] >= settings.rising_min_total].copy()
    x = exposures.loc[cells["service_code"]]
    found = rate_ratio_test(cells["observed"], cells["baseline_count"], x["xw"], x["xb"], settings.confidence)
    for name, values in found.items():
        cells[name] = values
    cells["sample_size"] = cells["observed"] + cells["baseline_count"]
    for name, value in window.labels().items():
        cells[name] = value
    return cells


def flag_rising(tests: pd.DataFrame, settings: Settings) -> pd.Series:
    """Rising: q-value at most ``fdr``, at least ``rising_min_observed`` requests, above expected."""
    above = tests["ratio"].isna() | (tests["ratio"] > 1)
    return (tests["q_value"] <= settings.fdr) & (tests["observed"] >= settings.rising_min_observed) & above


def flag_surge(tests: pd.DataFrame, settings: Settings) -> pd.Series:
    """Surge: rising (``flag_rising``) and at least ``surge_min_ratio`` times the expected volume."""
    far = tests["ratio"].isna() | (tests["ratio"] >= settings.surge_min_ratio)
    return flag_rising(tests, settings) & far


def _named(tests: pd.DataFrame, frame: pd.DataFrame, with_hood: bool) -> pd.DataFrame:
    tests["service_name"] = tests["service_code"].map(common_name(frame, "service_code", "service_name"))
    if with_hood:
        tests["neighborhood"] = tests["neighborhood_code"].map(common_name(frame, "neighborhood_code", "neighborhood"))
    return tests


def _run(frame, zone, as_of, windows_days, keys, settings) -> tuple[pd.DataFrame, dict[int, tuple]]:
    """Every window's tests in one frame, q-values over all of them; and per window its
    (Window, exposures) for the surge's spread."""
    as_of = intake_end(frame["requested_datetime"], local_time(as_of, zone))
    history_start = frame["requested_datetime"].min() - pd.Timedelta(seconds=1)  # (start, end] holds the first
    parts, used = [], {}
    for days in windows_days:
        window = None if pd.isna(history_start) else window_for(days, as_of, history_start, settings)
        if window is None:
            continue
        exposures = type_exposures(baseline_weekday_counts(frame, window), window, zone, settings)
        parts.append(score_cells(_counts(frame, window, keys), exposures, window, settings))
        used[days] = (window, exposures)
    empty = pd.DataFrame(columns=[*keys, *TEST_COLUMNS, "sample_size", *WINDOW_COLUMNS])
    tests = pd.concat(parts, ignore_index=True) if parts else empty
    tests["q_value"] = bh_qvalues(tests["p_value"].to_numpy(dtype="float64"))
    return tests, used


def rising_cells(data, as_of, settings: Settings = SETTINGS, tz: str | None = None) -> pd.DataFrame:
    """One row per neighborhood x request type x window tested (``COLUMNS``), ``rising`` True
    where the excess is significant after FDR control. Requests without a neighborhood are in
    no cell (they count in ``citywide_surges``). Empty when the history is too short."""
    frame, zone = _prepare(data, tz, "rising_cells")
    frame = frame[frame["neighborhood_code"].notna()]
    keys = ["neighborhood_code", "service_code"]
    tests, _ = _run(frame, zone, as_of, settings.rising_windows_days, keys, settings)
    tests["rising"] = flag_rising(tests, settings)
    tests = _named(tests, frame, with_hood=True)
    order = ["window_days", "neighborhood_code", "service_code"]
    return tests.sort_values(order, kind="stable")[COLUMNS].reset_index(drop=True)


def citywide_surges(data, as_of, settings: Settings = SETTINGS, tz: str | None = None) -> pd.DataFrame:
    """One row per request type x surge window tested (``SURGE_COLUMNS``). ``surge`` is True
    where the type is rising citywide and at least ``surge_min_ratio`` times its expected volume;
    the spread says how many neighborhoods share the rise."""
    frame, zone = _prepare(data, tz, "citywide_surges")
    tests, used = _run(frame, zone, as_of, settings.surge_windows_days, ["service_code"], settings)
    tests["surge"] = flag_surge(tests, settings)
    spread = [_spread(frame, window, exposures) for window, exposures in used.values()]
    if spread:
        tests = tests.merge(pd.concat(spread, ignore_index=True), on=["window_days", "service_code"], how="left")
        for col in ("neighborhoods_with_requests", "neighborhoods_above_expected"):
            tests[col] = tests[col].fillna(0).astype("int64")
    else:
        tests = tests.reindex(columns=[*tests.columns, *SURGE_COLUMNS[-5:]])
    tests = _named(tests, frame, with_hood=False)
    tests["top_neighborhood"] = tests["top_neighborhood_code"].map(
        common_name(frame, "neighborhood_code", "neighborhood")
    )
    return tests.sort_values(["window_days", "service_code"], kind="stable")[SURGE_COLUMNS].reset_index(drop=True)


def _spread(frame: pd.DataFrame, window: Window, exposures: pd.DataFrame) -> pd.DataFrame:
    """Per type in the window: neighborhoods with requests, neighborhoods above their own
    expected count, and the neighborhood with most of the type's window requests."""
    cells = _counts(frame[frame["neighborhood_code"].notna()], window, ["service_code", "neighborhood_code"])
    x = exposures.loc[cells["service_code"]]
    expected = cells["baseline_count"].to_numpy() * (x["xw"] / x["xb"]).to_numpy()
    cells["above"] = cells["observed"].to_numpy() > expected
    recent = cells[cells["observed"] > 0].sort_values(
        ["service_code", "observed", "neighborhood_code"], ascending=[True, False, True]
    )
    t = frame["requested_datetime"]
    total = frame[(t > window.start) & (t <= window.end)].groupby("service_code").size()
    top = recent.drop_duplicates("service_code").set_index("service_code")
    out = pd.DataFrame(
        {
            "neighborhoods_with_requests": recent.groupby("service_code").size(),
            "neighborhoods_above_expected": cells.groupby("service_code")["above"].sum(),
            "top_neighborhood_code": top["neighborhood_code"],
            "top_neighborhood_share": top["observed"] / total.reindex(top.index),
        }
    )
    out["window_days"] = window.days
    return out.rename_axis("service_code").reset_index()
