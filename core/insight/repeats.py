"""Repeat locations: places with far more requests of one type than an average place nearby.

A *place* is a published point (latitude and longitude rounded to 3 decimals, about 110 m):
the published precision, so nothing finer than the open data is revealed. Points moved for
privacy (sensitive types, placed at random or at the neighborhood's centre) and requests
without a point are left out.

Over the ``repeat_period_days`` ending at the last request received by ``as_of``, if a
neighborhood's ``n`` requests of a type fell at random on the ``K`` places where anything was
reported in that neighborhood, a place would get ``Binomial(n, 1/K)`` of them: expected ``n / K``.
The p-value is that binomial's chance of at least the observed count; Benjamini-Hochberg runs
over every place x type that could have been tested (the neighborhood x type pairs with at least
``repeat_min_count`` requests, times their ``K`` places, empty places included with p = 1). Only
places with at least ``repeat_min_count`` requests of the type are listed; ``repeat`` marks the
significant ones.
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from .frames import city_frame, common_name, days_before, intake_end, local_time
from .settings import SETTINGS, Settings
from .stats import bh_qvalues, clopper_pearson

INPUT = [
    "requested_datetime",
    "neighborhood_code",
    "neighborhood",
    "service_code",
    "service_name",
    "lat",
    "long",
    "address",
    "location_precision",
]
COLUMNS = [
    "period_start_datetime",
    "period_end_datetime",
    "neighborhood_code",
    "neighborhood",
    "service_code",
    "service_name",
    "lat",
    "long",
    "address",
    "observed",
    "expected",
    "ratio",
    "ratio_low",
    "ratio_high",
    "p_value",
    "q_value",
    "repeat",
    "sample_size",
    "places_in_neighborhood",
]
PLACE = ["lat", "long"]


def _points(data, as_of, settings: Settings, tz: str | None) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    frame, zone = city_frame(data, INPUT, tz, "repeat_locations")
    end = intake_end(frame["requested_datetime"], local_time(as_of, zone))
    start = days_before(end, settings.repeat_period_days)
    t = frame["requested_datetime"]
    keep = (t > start) & (t <= end) & frame["location_precision"].eq("point_3dp")
    keep &= frame["lat"].notna() & frame["long"].notna() & frame["neighborhood_code"].notna()
    return frame[keep & frame["service_code"].notna()].reset_index(drop=True), start, end


def repeat_locations(data, as_of, settings: Settings = SETTINGS, tz: str | None = None) -> pd.DataFrame:
    """Places with at least ``repeat_min_count`` requests of a type in the period (``COLUMNS``);
    ``attrs['tests']`` is the size of the family the q-values were adjusted over."""
    points, start, end = _points(data, as_of, settings, tz)
    places = points[["neighborhood_code", *PLACE]].drop_duplicates().groupby("neighborhood_code").size()
    pairs = points.groupby(["neighborhood_code", "service_code"]).size().rename("sample_size").reset_index()
    pairs = pairs[pairs["sample_size"] >= settings.repeat_min_count]
    pairs["places_in_neighborhood"] = pairs["neighborhood_code"].map(places).astype("int64")
    family = int(pairs["places_in_neighborhood"].sum())
    cells = points.groupby(["neighborhood_code", "service_code", *PLACE]).size().rename("observed").reset_index()
    cells = cells.merge(pairs, on=["neighborhood_code", "service_code"], how="inner")
    k, n, o = cells["places_in_neighborhood"], cells["sample_size"], cells["observed"]
    cells["expected"] = n / k
    cells["p_value"] = stats.binom.sf(o - 1, n, 1 / k)
    cells["q_value"] = bh_qvalues(cells["p_value"].to_numpy(), family_size=family)
    low, high = clopper_pearson(o, n, settings.confidence)
    cells["ratio"] = o / cells["expected"]
    cells["ratio_low"], cells["ratio_high"] = low * k, high * k
    cells = cells[cells["observed"] >= settings.repeat_min_count].copy()
    cells["repeat"] = cells["q_value"] <= settings.fdr
    cells["period_start_datetime"], cells["period_end_datetime"] = start, end
    out = _named(cells, points).sort_values(
        ["neighborhood_code", "service_code", "observed", "lat", "long"],
        ascending=[True, True, False, True, True],
        ignore_index=True,
    )[COLUMNS]
    out.attrs["tests"] = family
    return out


def _named(cells: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Names of neighborhood and type, and each place's most common published address."""
    cells["neighborhood"] = cells["neighborhood_code"].map(common_name(points, "neighborhood_code", "neighborhood"))
    cells["service_name"] = cells["service_code"].map(common_name(points, "service_code", "service_name"))
    counts = points.groupby([*PLACE, "address"]).size().rename("n").reset_index()
    counts = counts.sort_values([*PLACE, "n", "address"], ascending=[True, True, False, True])
    address = counts.drop_duplicates(PLACE)[[*PLACE, "address"]]
    return cells.merge(address, on=PLACE, how="left")
