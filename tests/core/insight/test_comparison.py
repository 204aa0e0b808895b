"""core.insight.comparison: indirect standardisation on hand-made neighborhoods."""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest
from insight_kit import at, frame, request
from scipy import stats as sps

from core.insight import Settings, fair_comparison
from core.insight.comparison import COLUMNS, mixture_median
from core.insight.stats import clopper_pearson, weighted_median

AS_OF = at("2024-06-30 00:00")
TARGETS = {"a": 2, "b": 9}
SMALL = Settings(comparison_min_n=5)


def _closed(hood: str, code: str, days: float, k: int) -> dict:
    return request(
        requested_datetime=at("2024-06-01 08:00") + pd.Timedelta(hours=k),
        status="closed",
        days_to_close=days,
        neighborhood_code=hood,
        neighborhood={"X": "Xylem", "Y": "Yarrow"}[hood],
        service_code=code,
    )


def _city() -> pd.DataFrame:
    """X asks mostly for the fast type a, Y mostly for the slow type b; each closes like the city."""
    x = [("a", 1), ("a", 2), ("a", 3), ("a", 4), ("b", 10)]
    y = [("a", 2), ("b", 8), ("b", 9), ("b", 10), ("b", 11)]
    rows = [_closed("X", c, d, k) for k, (c, d) in enumerate(x)] + [_closed("Y", c, d, k) for k, (c, d) in enumerate(y)]
    rows.append(request(requested_datetime=at("2024-06-02 09:00"), neighborhood_code="X", service_code="a"))  # open
    rows.append(
        request(
            requested_datetime=at("2024-01-02 09:00"),
            status="closed",
            days_to_close=99.0,
            neighborhood_code="X",
            service_code="a",
        )
    )  # before a 90-day period
    return frame(rows)


def test_median_by_hand_raw_medians_differ_but_mixes_explain_them():
    out = fair_comparison(_city(), TARGETS, AS_OF, period_days=90, settings=SMALL)
    assert list(out.columns) == COLUMNS
    med = out[out["measure"] == "median_days_to_close"].set_index("neighborhood_code")
    # city a: 1 2 2 3 4, city b: 8 9 10 10 11. X = 4/5 a + 1/5 b: each a value weighs 0.16, each
    # b value 0.04; cumulative 0.16 (1), 0.48 (2, 2), 0.64 (3): expected median 3 = observed.
    # Y = 1/5 a + 4/5 b: 0.04 each a value ... 0.20 (4), 0.36 (8), 0.52 (9): expected 9 = observed.
    assert med[["sample_size", "still_open", "observed", "expected", "ratio"]].values.tolist() == [
        [5, 1, 3.0, 3.0, 1.0],
        [5, 0, 9.0, 9.0, 1.0],
    ]
    assert med["ratio_low"].isna().all()  # 5 values are too few for a 95% interval of a median
    assert med["p_value"].tolist() == [1.0, 1.0]  # 2 above and 2 below in both
    assert med["verdict"].tolist() == ["as_expected", "as_expected"]
    assert med["neighborhood"].tolist() == ["Xylem", "Yarrow"]
    assert out["period_end_datetime"].iloc[0] == at("2024-06-02 09:00")  # the last request received
    assert out["period_start_datetime"].iloc[0] == at("2024-03-04 09:00")  # 90 days before it


def _two_sided_binomial(k: int, n: int, p: float) -> float:
    """Sum of the probabilities no larger than P(X = k) (the exact two-sided test)."""
    probs = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return sum(q for q in probs if q <= probs[k] * (1 + 1e-7))


def test_share_within_target_by_hand():
    out = fair_comparison(_city(), TARGETS, AS_OF, period_days=90, settings=SMALL)
    share = out[out["measure"] == "share_within_target"].set_index("neighborhood_code")
    # city: a within 2 days 3 of 5 (0.6); b within 9 days 2 of 5 (0.4)
    # X: expected (4 x 0.6 + 0.4) / 5 = 0.56, observed 2 of 5; Y: expected (0.6 + 4 x 0.4) / 5 = 0.44, observed 3 of 5
    assert share["observed"].tolist() == [0.4, 0.6]
    assert share["expected"].tolist() == pytest.approx([0.56, 0.44], abs=1e-15)
    assert share["ratio"].tolist() == pytest.approx([0.4 / 0.56, 0.6 / 0.44], rel=1e-12)
    low, high = clopper_pearson([2, 3], [5, 5], 0.95)
    assert share["ratio_low"].tolist() == pytest.approx((low / [0.56, 0.44]).tolist(), rel=1e-12)
    assert share["ratio_high"].tolist() == pytest.approx((high / [0.56, 0.44]).tolist(), rel=1e-12)
    assert share["p_value"].tolist() == pytest.approx(
        [_two_sided_binomial(2, 5, 0.56), _two_sided_binomial(3, 5, 0.44)], rel=1e-9
    )


def test_too_few_are_never_ranked():
    out = fair_comparison(_city(), TARGETS, AS_OF, period_days=90)  # default minimum: 30
    assert set(out["verdict"]) == {"too_few"}
    assert out["q_value"].isna().all()


def _slow_and_fast(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for k in range(n):
        code = "a" if k % 3 else "b"
        base = {"a": 2.0, "b": 8.0}[code]
        for hood, factor in (("X", 1.0), ("Y", 2.5)):
            rows.append(_closed(hood, code, round(base * factor * rng.uniform(0.5, 1.5), 2), k % 500))
    return frame(rows)


def test_a_slow_neighborhood_is_flagged_slower():
    out = fair_comparison(_slow_and_fast(90), {}, AS_OF)
    med = out.set_index("neighborhood_code")
    assert set(out["measure"]) == {"median_days_to_close"}  # no targets: no share rows
    assert med.loc["Y", "verdict"] == "slower" and med.loc["X", "verdict"] == "faster"
    assert med.loc["Y", "ratio_low"] > 1 > med.loc["X", "ratio_high"]
    assert med["q_value"].tolist() == pytest.approx(sps.false_discovery_control(med["p_value"]), rel=1e-12)


def test_mixture_median_equals_the_weighted_median_of_the_pooled_values():
    rng = np.random.default_rng(11)
    values = {s: np.round(rng.exponential(3, rng.integers(5, 40)), 1) for s in "pqrs"}
    for _ in range(20):
        weights = dict(zip("pqrs", rng.integers(0, 6, 4).tolist()))
        if not sum(weights.values()):
            continue
        pooled = np.concatenate([values[s] for s in "pqrs"])
        pooled_w = np.concatenate([np.full(len(values[s]), weights[s] / len(values[s])) for s in "pqrs"])
        assert mixture_median(values, weights) == weighted_median(pooled, pooled_w)
