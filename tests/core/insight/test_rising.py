"""core.insight.rising: hand-made cells with known counts, exposures and exact p-values."""

from __future__ import annotations

from math import comb

import pandas as pd
import pyarrow as pa
import pytest
from insight_kit import ZONE, at, daily, frame, request
from scipy import stats as sps

from core.insight import InsightInputError, Settings, citywide_surges, history_note, rising_cells
from core.insight.rising import COLUMNS, SURGE_COLUMNS

WEEK = Settings(rising_windows_days=(7,), baseline_weeks=4, min_baseline_days=28)
AS_OF = at("2024-04-01 00:00")  # a Monday; the window is the week of 25-31 March
MARKERS = [  # one request long before (so the baseline is not cut) and one at as_of (the data's end)
    request(requested_datetime=at("2024-01-02 09:00"), neighborhood_code="Z", service_code="marker"),
    request(requested_datetime=AS_OF, neighborhood_code="Z", service_code="marker"),
]


def binom_tail(k: int, n: int, p: float) -> float:
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def _flat_city() -> pd.DataFrame:
    rows = [
        *daily("2024-02-26", 28, 1, neighborhood_code="A", service_code="pothole"),
        *daily("2024-03-25", 7, 10, neighborhood_code="A", service_code="pothole"),
        *daily("2024-02-26", 35, 1, neighborhood_code="A", service_code="graffiti", service_name="Graffiti"),
        *daily("2024-02-26", 35, 2, neighborhood_code="B", service_code="pothole", neighborhood="Birch"),
        *daily("2024-02-26", 5, 1, 9, neighborhood_code="C", service_code="pothole"),  # 5 + 3: too few
        *daily("2024-03-28", 3, 1, neighborhood_code="C", service_code="pothole"),
        *MARKERS,
    ]
    return frame(rows)


def test_rising_cells_flat_weekdays_by_hand():
    out = rising_cells(_flat_city(), AS_OF, WEEK)
    assert list(out.columns) == COLUMNS
    got = out[["neighborhood_code", "service_code", "observed", "baseline_count", "expected", "ratio", "sample_size"]]
    assert got.values.tolist() == [
        ["A", "graffiti", 7, 28, 7.0, 1.0, 35],
        ["A", "pothole", 70, 28, 7.0, 10.0, 98],
        ["B", "pothole", 14, 56, 14.0, 1.0, 70],
    ]
    # window 7 days against 28 (flat weekdays): the window's share of a cell's requests is 1/5
    p = [binom_tail(7, 35, 0.2), binom_tail(70, 98, 0.2), binom_tail(14, 70, 0.2)]
    assert out["p_value"].tolist() == pytest.approx(p, rel=1e-9)
    assert out["q_value"].tolist() == pytest.approx(sps.false_discovery_control(p), rel=1e-12)
    assert out["rising"].tolist() == [False, True, False]
    assert out.loc[1, ["neighborhood", "service_name"]].tolist() == ["Alder", "Pothole"]
    assert out.loc[0, "service_name"] == "Graffiti"
    assert out.loc[0, "window_start_datetime"] == at("2024-03-25 00:00")
    assert out.loc[0, "baseline_start_datetime"] == at("2024-02-26 00:00")  # 4 calendar weeks, across DST
    assert (out["window_end_datetime"] == AS_OF).all() and (out["baseline_end_datetime"] == at("2024-03-25")).all()


def test_rising_needs_the_minimum_observed():
    out = rising_cells(_flat_city(), AS_OF, Settings(**{**WEEK.__dict__, "rising_min_observed": 71}))
    assert not out["rising"].any()
    out = rising_cells(_flat_city(), AS_OF, Settings(**{**WEEK.__dict__, "rising_min_total": 36}))
    assert out["sample_size"].tolist() == [98, 70]


def test_rising_cells_both_windows_share_one_fdr_family():
    settings = Settings(rising_windows_days=(7, 14), baseline_weeks=4, min_baseline_days=28)
    out = rising_cells(_flat_city(), AS_OF, settings)
    assert out["window_days"].value_counts().to_dict() == {7: 3, 14: 3}
    assert out["q_value"].tolist() == pytest.approx(sps.false_discovery_control(out["p_value"]), rel=1e-12)
    fortnight = out[out["window_days"] == 14].set_index(["neighborhood_code", "service_code"])
    # A/pothole over 18-31 March: 7 + 70 in the window, 21 in the 4 weeks before it
    assert fortnight.loc[("A", "pothole"), ["observed", "baseline_count", "expected"]].tolist() == [77, 21, 10.5]


def _monday_noise() -> pd.DataFrame:
    """Four weeks of noise on weekdays only (1 a weekday in A and in B), then a Monday of 7."""
    weekdays = [d for d in pd.date_range("2024-03-04", "2024-03-31") if d.day_of_week < 5]
    rows = [
        request(requested_datetime=at(f"{d:%Y-%m-%d} 10:00"), neighborhood_code=h, service_code="noise")
        for d in weekdays
        for h in ("A", "B")
    ]
    monday = [("A", 11), ("A", 12), ("A", 13), ("A", 14), ("B", 15), ("B", 16), (None, 17)]
    rows += [
        request(requested_datetime=at(f"2024-04-01 {hour}:00"), neighborhood_code=h, neighborhood=h and "Alder")
        for h, hour in monday
    ]
    rows = [{**r, "service_code": "noise", "service_name": "Noise"} for r in rows]
    early = request(requested_datetime=at("2024-01-02 09:00"), neighborhood_code="Z", service_code="marker")
    end = request(requested_datetime=at("2024-04-02 00:00"), neighborhood_code="Z", service_code="marker")
    return frame([*rows, early, end])


def test_citywide_surge_with_the_weekday_mix():
    settings = Settings(surge_windows_days=(1,), baseline_weeks=4, min_baseline_days=28, weekday_profile_min=30)
    out = citywide_surges(_monday_noise(), at("2024-04-02 00:00"), settings)
    assert list(out.columns) == SURGE_COLUMNS
    row = out.set_index("service_code").loc["noise"]
    # 40 on the 20 weekdays of the baseline: a weekday weighs 1.4, a weekend day 0, so a Monday
    # expects 40 x 1.4 / 28 = 2 (not 40 / 28 as if every day were alike)
    assert (row["observed"], row["baseline_count"], row["expected"], row["ratio"]) == (7, 40, 2.0, 3.5)
    assert row["p_value"] == pytest.approx(binom_tail(7, 47, 1.4 / 29.4), rel=1e-9)
    assert row["q_value"] == row["p_value"]  # the marker cell (1 request) is not tested
    assert row["surge"]
    assert row[["neighborhoods_with_requests", "neighborhoods_above_expected"]].tolist() == [2, 2]
    assert row[["top_neighborhood_code", "top_neighborhood", "top_neighborhood_share"]].tolist() == [
        "A",
        "Alder",
        4 / 7,
    ]


def test_surge_needs_the_surge_ratio():
    settings = Settings(surge_windows_days=(1,), baseline_weeks=4, min_baseline_days=28, surge_min_ratio=3.6)
    out = citywide_surges(_monday_noise(), at("2024-04-02 00:00"), settings)
    assert not out["surge"].any()


def test_short_history_tests_nothing_and_says_why():
    short = frame(daily("2024-03-20", 12, 3))
    assert rising_cells(short, AS_OF, WEEK).empty
    assert list(rising_cells(short, AS_OF).columns) == COLUMNS
    assert list(citywide_surges(short, AS_OF).columns) == SURGE_COLUMNS
    assert history_note(short, AS_OF, WEEK) == (
        "The requests span 11.0 days: testing needs the 7-day window and at least 28 days of "
        "baseline before it, so nothing was tested."
    )
    assert history_note(_flat_city(), AS_OF, WEEK) is None


def test_windows_end_at_the_last_request_not_at_a_later_as_of():
    city = _flat_city()
    later = rising_cells(city, AS_OF + pd.Timedelta(days=9), WEEK)
    assert (later["window_end_datetime"] == AS_OF).all()
    assert later.drop(columns="q_value").equals(rising_cells(city, AS_OF, WEEK).drop(columns="q_value"))


def test_baseline_cut_to_the_history():
    # no early marker, no C: the history begins 26 Feb 12:00, and the baseline 1 s before that
    rows = [r for r in _flat_city().to_dict("records") if r["neighborhood_code"] in ("A", "B")] + MARKERS[1:]
    out = rising_cells(frame(rows), AS_OF, Settings(rising_windows_days=(7,), baseline_weeks=5, min_baseline_days=27))
    assert (out["baseline_start_datetime"] == at("2024-02-26 11:59:59")).all()
    # Mondays covered: 3 whole + 12 h 1 s of the first; each weekday holds 4 days' requests
    mondays = 3 + 43201 / 86400
    for code, per_day, cell_baseline in (("pothole", 3, 28), ("graffiti", 4, 28)):
        # pothole (84 requests) has its own weekday pattern; graffiti (28 < 70) takes all requests'
        rates = [4 * per_day / mondays] + [per_day] * 6
        mean = sum(rates) / 7
        window, baseline = 7.0, (4 * per_day * 7) / mean  # sum of days x weight
        row = out.set_index(["neighborhood_code", "service_code"]).loc[("A", code)]
        assert row["expected"] == pytest.approx(cell_baseline * window / baseline, rel=1e-12)


def test_inputs_as_arrow_or_text_give_the_same_table():
    city = _flat_city()
    expected = rising_cells(city, AS_OF, WEEK)
    assert rising_cells(pa.Table.from_pandas(city), AS_OF, WEEK).equals(expected)
    text = city.assign(requested_datetime=city["requested_datetime"].map(lambda t: t.isoformat()))
    as_text = rising_cells(text, AS_OF, WEEK, tz=ZONE)
    assert as_text.drop(columns=[c for c in COLUMNS if c.endswith("_datetime")]).equals(
        expected.drop(columns=[c for c in COLUMNS if c.endswith("_datetime")])
    )


def test_input_errors_name_the_problem():
    with pytest.raises(InsightInputError, match="rising_cells: the frame has no column 'neighborhood'"):
        rising_cells(_flat_city().drop(columns="neighborhood"), AS_OF)
    naive = _flat_city().assign(requested_datetime=lambda f: f["requested_datetime"].dt.tz_localize(None))
    with pytest.raises(InsightInputError, match="carries no time zone; pass tz"):
        rising_cells(naive, AS_OF)
    with pytest.raises(InsightInputError, match="as_of 2024-04-01 00:00:00 has no time zone"):
        rising_cells(_flat_city(), pd.Timestamp("2024-04-01"))
