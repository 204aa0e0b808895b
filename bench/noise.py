"""Pure noise for the "rising" test: how often does it flag anything when nothing changes?

Every neighborhood x type cell of a real city gets its own steady daily rate (its requests in
the extract over the extract's days of intake), each type a weekday pattern (the demo city's,
varied per type), and each simulation draws every cell's daily counts from Poisson at those
rates: nothing rises, so every flag is false. The counts go through the library's own steps
(``rising.type_exposures``, ``score_cells``, Benjamini-Hochberg, ``flag_rising`` and
``flag_surge``) for the cells' windows and for the citywide surge windows. With nothing rising,
the share of simulations with any flag is the false discovery rate, which must stay at or under
the declared ``fdr``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.insight import Settings
from core.insight import rising as r
from core.insight.stats import bh_qvalues

BASE_WEEKDAYS = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.65, 0.55])  # Monday first, as etl.demo
AS_OF = "2024-04-01"  # a Monday, midnight in the city's zone: the simulated data's end


@dataclass(frozen=True)
class Cells:
    hoods: np.ndarray
    codes: np.ndarray
    rates: np.ndarray  # requests per day
    zone: str


def cell_rates(frame: pd.DataFrame, intake_days: float) -> Cells:
    """Each neighborhood x type of the published ``frame``: requests per day of intake."""
    found = frame[frame["neighborhood_code"].notna()].groupby(["neighborhood_code", "service_code"]).size()
    zone = str(frame["requested_datetime"].dt.tz)
    hoods, codes = (np.asarray(found.index.get_level_values(k)) for k in (0, 1))
    return Cells(hoods, codes, found.to_numpy() / intake_days, zone)


def _family(counts, keys: pd.DataFrame, windows, weekday_of_day, as_of, start, settings, flag) -> tuple[int, int]:
    """Tests and flags of one table (all its windows in one FDR family) on simulated ``counts``."""
    n_days = counts.shape[1]
    type_codes = pd.Index(sorted(set(keys["service_code"])), name="service_code")
    type_of_row = type_codes.get_indexer(keys["service_code"])
    parts = []
    for days in windows:
        window = r.window_for(days, as_of, start, settings)
        base = slice(max(n_days - days - 7 * settings.baseline_weeks, 0), n_days - days)
        by_weekday = np.zeros((len(type_codes), 7))
        per_type_day = np.zeros((len(type_codes), base.stop - base.start))
        np.add.at(per_type_day, type_of_row, counts[:, base])
        np.add.at(by_weekday.T, weekday_of_day[base], per_type_day.T)
        weekday_counts = pd.DataFrame(by_weekday, index=type_codes, columns=range(7))
        exposures = r.type_exposures(weekday_counts, window, str(as_of.tz), settings)
        cells = keys.assign(observed=counts[:, n_days - days :].sum(axis=1), baseline_count=counts[:, base].sum(axis=1))
        parts.append(r.score_cells(cells, exposures, window, settings))
    tests = pd.concat(parts, ignore_index=True)
    tests["q_value"] = bh_qvalues(tests["p_value"].to_numpy(dtype="float64"))
    return len(tests), int(flag(tests, settings).sum())


def simulate_noise(cells: Cells, simulations: int, seed: int, settings: Settings) -> dict:
    """Per table ("cells": rising_cells, "surges": citywide_surges): tests and flags per simulation."""
    rng = np.random.default_rng(seed)
    types, type_of_cell = np.unique(cells.codes, return_inverse=True)
    profiles = BASE_WEEKDAYS * np.exp(0.2 * rng.standard_normal((len(types), 7)))
    profiles /= profiles.mean(axis=1, keepdims=True)
    longest = max(*settings.rising_windows_days, *settings.surge_windows_days)
    n_days = longest + 7 * settings.baseline_weeks
    as_of = pd.Timestamp(AS_OF, tz=cells.zone)
    days = pd.date_range(end=pd.Timestamp(AS_OF) - pd.Timedelta(days=1), periods=n_days, freq="D")
    weekday_of_day = np.asarray(days.day_of_week)
    start = as_of - pd.Timedelta(days=n_days, seconds=1)
    lam = cells.rates[:, None] * profiles[type_of_cell][:, weekday_of_day]
    cell_keys = pd.DataFrame({"neighborhood_code": cells.hoods, "service_code": cells.codes})
    type_keys = pd.DataFrame({"service_code": types})
    found = {"cells": [], "surges": []}
    for _ in range(simulations):
        counts = rng.poisson(lam)
        per_type = np.zeros((len(types), n_days), dtype=counts.dtype)
        np.add.at(per_type, type_of_cell, counts)
        found["cells"].append(
            _family(
                counts, cell_keys, settings.rising_windows_days, weekday_of_day, as_of, start, settings, r.flag_rising
            )
        )
        found["surges"].append(
            _family(
                per_type, type_keys, settings.surge_windows_days, weekday_of_day, as_of, start, settings, r.flag_surge
            )
        )
    return {name: _summary(runs, settings) for name, runs in found.items()}


def _summary(runs: list[tuple[int, int]], settings: Settings) -> dict:
    tests = np.array([t for t, _ in runs])
    flags = np.array([f for _, f in runs])
    share = float((flags > 0).mean())
    return {
        "simulations": len(runs),
        "tests_per_simulation": float(tests.mean()),
        "flags_per_simulation": float(flags.mean()),
        "simulations_with_a_flag": int((flags > 0).sum()),
        "share_with_a_flag": share,
        "declared_fdr": settings.fdr,
        "ok": share <= settings.fdr,
    }
