"""core.insight.survival: Kaplan-Meier with late entry, by hand and against a plain loop."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from core.insight.survival import product_limit

# closures after 1, 2, 2, 3 and 5 days; one still open at 4 days
TEXTBOOK = product_limit([0] * 6, [1, 2, 2, 3, 4, 5], [True, True, True, True, False, True])


def test_product_limit_by_hand():
    assert TEXTBOOK.times.tolist() == [1, 2, 3, 5]
    # 6 at risk at 1 (1 closes), 5 at 2 (2 close), 3 at 3 (1 closes), 1 at 5 (the open one left at 4)
    expected = [Fraction(5, 6), Fraction(5, 6) * Fraction(3, 5), Fraction(1, 2) * Fraction(2, 3), Fraction(0)]
    assert TEXTBOOK.survival == pytest.approx([float(x) for x in expected], abs=1e-15)
    assert TEXTBOOK.closures == 5


def test_late_entry_by_hand():
    # the third and fourth requests were already 2 and 3 days old when observation began
    curve = product_limit([0, 0, 2, 3], [1, 4, 5, 6], [True, True, False, True])
    # at 1: the first two are observed (2 at risk); at 4: the 2nd, 3rd and 4th (3); at 6: the 4th (1)
    assert curve.times.tolist() == [1, 4, 6]
    assert curve.survival == pytest.approx([1 / 2, 1 / 3, 0.0], abs=1e-15)


@pytest.mark.parametrize(
    "age, share, expected",
    [
        (0.0, 0.5, 2.0),  # S <= 1/2 first at 2 days
        (0.0, 0.9, 5.0),
        (1.5, 0.5, 3.0),  # S(1.5) = 5/6: half of those still open are closed once S <= 5/12, at 3
        (1.5, 0.9, 5.0),
        (4.5, 0.5, 5.0),  # S(4.5) = 1/3: goal 1/6, reached at 5
    ],
)
def test_quantile_after_an_age(age, share, expected):
    assert TEXTBOOK.quantile_after([age], share)[0] == expected


def test_quantile_after_with_a_share_per_age():
    got = TEXTBOOK.quantile_after([0.0, 0.0, 1.5, 0.0], [0.5, 0.9, 0.7, 1.2])
    # 1.5 days: S = 5/6, 70% of those closed once S <= 0.25 (first at 5); a share above 1: none
    assert got[:3].tolist() == [2.0, 5.0, 5.0] and np.isnan(got[3])


def test_quantile_not_reached_is_nan():
    curve = product_limit([0] * 4, [1, 2, 9, 9], [True, True, False, False])  # S stops at 1/2
    assert curve.quantile_after([0.0], 0.5)[0] == 2.0
    assert np.isnan(curve.quantile_after([0.0], 0.9)[0])
    assert np.isnan(curve.quantile_after([3.0], 0.5)[0])  # no closure after 3 days was seen


def test_open_beyond_counts_requests_observed_past_an_age():
    assert TEXTBOOK.open_beyond([0, 1.5, 2, 4.5, 5]).tolist() == [6, 5, 3, 1, 0]
    late = product_limit([0, 0, 2, 3], [1, 4, 5, 6], [True, True, False, True])
    assert late.open_beyond([1.0, 2.5, 3.5]).tolist() == [1, 2, 3]  # not yet observed before entry


def test_entry_after_exit_is_refused():
    with pytest.raises(ValueError, match="entry > exit"):
        product_limit([3], [2], [True])


def _loop_km(entry, exit, closed):
    """A plain product-limit loop, written independently of the vectorised one."""
    surv, out = 1.0, {}
    for t in sorted({x for x, c in zip(exit, closed) if c}):
        at_risk = sum(1 for a, b in zip(entry, exit) if a <= t <= b)
        deaths = sum(1 for b, c in zip(exit, closed) if c and b == t)
        surv *= 1 - deaths / at_risk
        out[t] = surv
    return out


def test_product_limit_matches_a_plain_loop_on_random_data():
    rng = np.random.default_rng(17)
    entry = np.round(rng.uniform(0, 5, 300) * (rng.uniform(size=300) < 0.4), 1)
    exit = entry + np.round(rng.exponential(4, 300), 1)
    closed = rng.uniform(size=300) < 0.8
    curve = product_limit(entry, exit, closed)
    loop = _loop_km(entry.tolist(), exit.tolist(), closed.tolist())
    assert curve.times.tolist() == list(loop)
    assert curve.survival == pytest.approx(list(loop.values()), rel=1e-12)
