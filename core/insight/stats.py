"""The tests and intervals the insight tables share, each an exact, textbook method.

* ``bh_qvalues``: Benjamini-Hochberg adjusted p-values (q-values), optionally over a family
  larger than the p-values given (tests that are certainly not significant, p = 1).
* ``rate_ratio_test``: is a window's count above its baseline's? The exact conditional test of two
  Poisson rates: given ``n = observed + baseline``, ``observed ~ Binomial(n, xw / (xw + xb))``
  under "same rate", where ``xw`` and ``xb`` are the exposures (expected share of requests) of the
  window and the baseline. It carries the uncertainty of the baseline itself, and equals the
  negative-binomial predictive test of a Poisson-gamma model. The rate ratio's interval comes
  from the Clopper-Pearson interval of the binomial proportion.
* ``clopper_pearson``, ``median_interval`` (distribution-free, by order statistics),
  ``sign_test`` and ``weighted_median``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def bh_qvalues(p_values, family_size: int | None = None) -> np.ndarray:
    """Benjamini-Hochberg q-values of ``p_values`` in their order. ``family_size`` (>= len) counts
    further tests whose p-value is 1: they never reach significance but make the family larger."""
    p = np.asarray(p_values, dtype="float64")
    n = len(p)
    m = n if family_size is None else int(family_size)
    if m < n:
        raise ValueError(f"family_size {m} is smaller than the {n} p-values given")
    if n == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, n + 1)
    q_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    q = np.empty(n)
    q[order] = q_sorted
    return q


def clopper_pearson(k, n, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval of a binomial proportion ``k / n``, vectorised; NaN where n = 0."""
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def rate_ratio_test(observed, baseline, exposure_window, exposure_baseline, confidence: float) -> dict:
    """Arrays ``expected``, ``ratio``, ``ratio_low``, ``ratio_high`` and ``p_value`` (one-sided,
    "observed is higher") per cell. ``ratio`` is NaN when nothing is expected (no baseline);
    ``ratio_high`` is NaN when the interval is unbounded above."""
    o = np.asarray(observed, dtype="float64")
    b = np.asarray(baseline, dtype="float64")
    xw = np.asarray(exposure_window, dtype="float64")
    xb = np.asarray(exposure_baseline, dtype="float64")
    n = o + b
    share = xw / (xw + xb)
    expected = b * xw / xb
    p_value = stats.binom.sf(o - 1, n, share)
    low, high = clopper_pearson(o, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(expected > 0, o / expected, np.nan)
        to_ratio = xb / xw
        ratio_low = np.where(low < 1, low / (1 - low) * to_ratio, np.nan)
        ratio_high = np.where(high < 1, high / (1 - high) * to_ratio, np.nan)
    return {
        "expected": expected,
        "ratio": ratio,
        "ratio_low": ratio_low,
        "ratio_high": ratio_high,
        "p_value": np.minimum(p_value, 1.0),
    }


def median_interval(values, confidence: float) -> tuple[float, float]:
    """Distribution-free interval of a median: the order statistics ``x_(j)`` and ``x_(n+1-j)``
    with the largest ``j`` for which ``P(Binomial(n, 1/2) <= j - 1) <= (1 - confidence) / 2``.
    Its coverage is at least ``confidence``. NaNs when n is too small for any such ``j``."""
    x = np.sort(np.asarray(values, dtype="float64"))
    n = len(x)
    if n == 0:
        return (np.nan, np.nan)
    tail = (1 - confidence) / 2
    k = int(stats.binom.ppf(tail, n, 0.5))
    j = k + 1 if stats.binom.cdf(k, n, 0.5) <= tail else k
    if j < 1:
        return (np.nan, np.nan)
    return (float(x[j - 1]), float(x[n - j]))


def sign_test(values, centre: float) -> float:
    """Two-sided exact sign test that ``centre`` is the median of ``values`` (ties left out)."""
    x = np.asarray(values, dtype="float64")
    above, below = int((x > centre).sum()), int((x < centre).sum())
    if above + below == 0:
        return 1.0
    return float(stats.binomtest(above, above + below, 0.5).pvalue)


def weighted_median(values, weights) -> float:
    """The value where the cumulative weight (sorted by value) first passes half the total;
    where it reaches exactly one half, the mean of that value and the next (like the median of
    an even count)."""
    x = np.asarray(values, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    if len(x) == 0 or w.sum() <= 0:
        return np.nan
    order = np.argsort(x, kind="stable")
    x, cum = x[order], np.cumsum(w[order]) / w.sum()
    k = int(np.searchsorted(cum, 0.5 - 1e-12))
    if abs(cum[k] - 0.5) <= 1e-12 and k + 1 < len(x):
        return float((x[k] + x[k + 1]) / 2)
    return float(x[k])
