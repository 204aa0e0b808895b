"""core.insight.stats: each test and interval against closed forms computed here by hand."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from scipy import stats as sps

from core.insight.stats import (
    bh_qvalues,
    clopper_pearson,
    median_interval,
    rate_ratio_test,
    sign_test,
    weighted_median,
)


def binom_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed term by term."""
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_bh_qvalues_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.2 -> x4/rank: 0.04, 0.06, 0.0533, 0.2 -> running minimum from the top
    q = bh_qvalues([0.01, 0.04, 0.03, 0.2])
    assert q == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2], abs=1e-15)


def test_bh_qvalues_over_a_larger_family():
    # 4 more tests with p = 1: m = 8 doubles every q-value here
    q = bh_qvalues([0.01, 0.04, 0.03, 0.2], family_size=8)
    assert q == pytest.approx([0.08, 0.32 / 3, 0.32 / 3, 0.4], abs=1e-15)
    with pytest.raises(ValueError, match="family_size 3 is smaller than the 4 p-values"):
        bh_qvalues([0.1] * 4, family_size=3)


def test_bh_qvalues_agree_with_scipy():
    p = np.random.default_rng(7).uniform(size=200) ** 3
    assert bh_qvalues(p) == pytest.approx(sps.false_discovery_control(p, method="bh"), abs=1e-14)
    assert len(bh_qvalues([])) == 0


def test_rate_ratio_test_by_hand():
    # 6 in a week against 12 in the 4 weeks before (flat weekdays): expected 3, ratio 2
    out = rate_ratio_test([6], [12], [7.0], [28.0], 0.95)
    assert out["expected"][0] == 3.0
    assert out["ratio"][0] == 2.0
    assert out["p_value"][0] == pytest.approx(binom_tail(6, 18, 0.2), rel=1e-12)
    # the interval's ends are the rates at which the observed count sits in a 2.5% tail
    low, high = out["ratio_low"][0], out["ratio_high"][0]
    share_low, share_high = low * 0.25 / (1 + low * 0.25), high * 0.25 / (1 + high * 0.25)
    assert binom_tail(6, 18, share_low) == pytest.approx(0.025, rel=1e-9)
    assert 1 - binom_tail(7, 18, share_high) == pytest.approx(0.025, rel=1e-9)


def test_rate_ratio_test_is_the_negative_binomial_predictive_test():
    # Poisson rate with a gamma(baseline + 1) posterior: the window's count is negative binomial
    o, b, xw, xb = (
        np.array([3, 9, 15, 40]),
        np.array([10, 5, 60, 200]),
        np.array([1.0, 2.5, 7, 7]),
        np.array([28, 30, 84, 84.0]),
    )
    p = rate_ratio_test(o, b, xw, xb, 0.95)["p_value"]
    assert p == pytest.approx(sps.nbinom.sf(o - 1, b + 1, xb / (xb + xw)), rel=1e-10)


def test_rate_ratio_test_without_baseline():
    out = rate_ratio_test([5], [0], [7.0], [28.0], 0.95)
    assert out["expected"][0] == 0
    assert np.isnan(out["ratio"][0]) and np.isnan(out["ratio_high"][0])
    assert out["p_value"][0] == pytest.approx(0.2**5, rel=1e-12)


def test_clopper_pearson_edges_and_tails():
    low, high = clopper_pearson([0, 3, 10], [10, 10, 10], 0.95)
    assert (low[0], high[2]) == (0.0, 1.0)
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-12)  # 0 of 10: (1 - high)^10 = 0.025
    assert low[2] == pytest.approx(0.025 ** (1 / 10), rel=1e-12)
    assert binom_tail(3, 10, low[1]) == pytest.approx(0.025, rel=1e-9)
    assert np.isnan(clopper_pearson([0], [0], 0.95)[0][0])


@pytest.mark.parametrize(
    "n, expected",
    [
        (5, (np.nan, np.nan)),  # P(X <= 0) = 1/32 > 0.025: no interval
        (6, (1.0, 6.0)),  # P(X <= 0) = 1/64 <= 0.025 < P(X <= 1) = 7/64
        (10, (2.0, 9.0)),  # P(X <= 1) = 11/1024 <= 0.025 < P(X <= 2) = 56/1024
        (20, (6.0, 15.0)),  # P(X <= 5) = 21700/2^20 = 0.0207 <= 0.025 < P(X <= 6) = 0.0577
    ],
)
def test_median_interval_order_statistics(n, expected):
    values = np.arange(n, 0, -1, dtype=float)  # any order
    assert median_interval(values, 0.95) == pytest.approx(expected, nan_ok=True)


def test_sign_test_by_hand():
    # 8 above 2.5, 2 below: two-sided 2 * (1 + 10 + 45) / 1024
    assert sign_test(np.arange(1, 11), 2.5) == pytest.approx(112 / 1024, rel=1e-12)
    assert sign_test([3, 3, 3], 3.0) == 1.0  # every value tied with the centre


@pytest.mark.parametrize(
    "values, weights, expected",
    [
        ([3, 1, 2], [1, 1, 1], 2.0),
        ([4, 1, 3, 2], [1, 1, 1, 1], 2.5),  # cumulative weight exactly 1/2 after 2: mean of 2 and 3
        ([1, 2, 3], [1, 1, 2], 2.5),
        ([1, 2, 3], [1, 1, 3], 3.0),
        ([5, 5, 9], [1, 1, 2], 7.0),
    ],
)
def test_weighted_median(values, weights, expected):
    assert weighted_median(values, weights) == expected
