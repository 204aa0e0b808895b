"""core.insight.repeats: places at published precision, by hand."""

from __future__ import annotations

from math import comb

import pandas as pd
import pytest
from insight_kit import at, frame, request

from core.insight import Settings, repeat_locations
from core.insight.repeats import COLUMNS
from core.insight.stats import clopper_pearson

AS_OF = at("2024-06-30 00:00")
P = [(41.881, -87.623), (41.882, -87.623), (41.883, -87.623), (41.884, -87.623), (41.885, -87.623)]


def _at(place: int, k: int, **values) -> dict:
    lat, long = P[place]
    return request(requested_datetime=at("2024-06-01 08:00") + pd.Timedelta(hours=k), lat=lat, long=long, **values)


def _city() -> pd.DataFrame:
    rows = [_at(0, k, address="100 block of MAIN ST") for k in range(5)]
    rows += [_at(0, k, address="100 block of MAINE ST") for k in (5, 6)]
    rows += [_at(p, 7) for p in (1, 2, 3)]
    rows.append(_at(4, 8, service_code="graffiti", service_name="Graffiti"))
    # not counted: moved for privacy, no point, or before the 90 days
    rows += [_at(0, 9, location_precision="neighborhood_random") for _ in range(3)]
    rows.append(_at(0, 10, location_precision="none"))
    rows.append(request(requested_datetime=at("2024-01-05 08:00"), lat=P[0][0], long=P[0][1]))
    return frame(rows)


def test_repeat_location_by_hand():
    out = repeat_locations(_city(), AS_OF)
    assert list(out.columns) == COLUMNS
    assert len(out) == 1  # only the place with at least 5 potholes is listed
    row = out.iloc[0]
    # 10 potholes in A on 5 places (any type counts as a place): an average place gets 2
    assert (row["lat"], row["long"], row["observed"], row["sample_size"], row["places_in_neighborhood"]) == (
        41.881,
        -87.623,
        7,
        10,
        5,
    )
    assert (row["expected"], row["ratio"]) == (2.0, 3.5)
    p = sum(comb(10, i) * 0.2**i * 0.8 ** (10 - i) for i in range(7, 11))
    assert row["p_value"] == pytest.approx(p, rel=1e-10)
    # family: the pothole pair's 5 places (graffiti has 1 request, not tested); 7 is the smallest p
    assert out.attrs["tests"] == 5
    assert row["q_value"] == pytest.approx(5 * p, rel=1e-10)
    low, high = clopper_pearson(7, 10, 0.95)
    assert (row["ratio_low"], row["ratio_high"]) == pytest.approx((5 * float(low), 5 * float(high)), rel=1e-12)
    assert row["repeat"]
    assert row["address"] == "100 block of MAIN ST"
    assert (row["neighborhood"], row["service_name"]) == ("Alder", "Pothole")
    assert row["period_end_datetime"] == at("2024-06-01 18:00")  # the last request (moved or not)


def test_repeat_count_and_fdr_settings():
    assert repeat_locations(_city(), AS_OF, Settings(repeat_min_count=8)).empty
    strict = repeat_locations(_city(), AS_OF, Settings(fdr=0.001))
    assert strict["q_value"].iloc[0] > 0.001 and not strict["repeat"].iloc[0]


def test_no_points_no_rows():
    none = frame([request(requested_datetime=at("2024-06-01 08:00"), location_precision="none")])
    out = repeat_locations(none, AS_OF)
    assert out.empty and list(out.columns) == COLUMNS and out.attrs["tests"] == 0
