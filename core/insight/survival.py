"""Kaplan-Meier (product-limit) survival of "still open", with late entry and censoring.

A request enters observation at ``entry`` (its age when the lookback began, 0 if it arrived
later) and leaves at ``exit`` (its age at closure, or at the data's end while still open). Only
what was seen in the lookback counts: this is the "period" form of Kaplan-Meier, which reflects
how fast requests close now without being biased toward the fast ones (an open request counts
as "not closed yet" for as long as it has been open).

At each closure age ``t_j`` the curve drops by ``d_j / n_j``: ``d_j`` requests closed at that age
out of the ``n_j`` under observation at that age (``entry <= t_j <= exit``). Ages are in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Curve:
    times: np.ndarray  # distinct closure ages, ascending
    survival: np.ndarray  # share still open just after each time
    entries: np.ndarray  # every request's entry age, sorted
    exits: np.ndarray  # every request's exit age, sorted
    closures: int

    def survival_at(self, ages) -> np.ndarray:
        """S(age): the share still open after ``age`` (1 before the first closure)."""
        k = np.searchsorted(self.times, np.asarray(ages, dtype="float64"), side="right")
        return np.concatenate([[1.0], self.survival])[k]

    def open_beyond(self, ages) -> np.ndarray:
        """How many requests were observed open past each age (entry <= age < exit)."""
        a = np.asarray(ages, dtype="float64")
        entered = np.searchsorted(self.entries, a, side="right")
        left = np.searchsorted(self.exits, a, side="right")
        return entered - left

    def quantile_after(self, ages, share) -> np.ndarray:
        """For requests still open at ``ages``: the age by which ``share`` of such requests are
        closed, i.e. the first closure age t > age with S(t) <= (1 - share) * S(age). ``share``
        is one number or one per age. NaN when the curve never gets there (not enough follow-up)
        and where ``share`` exceeds 1."""
        a = np.asarray(ages, dtype="float64")
        share = np.broadcast_to(np.asarray(share, dtype="float64"), a.shape)
        out = np.full(len(a), np.nan)
        if len(self.times) == 0:
            return out
        goal = (1 - share) * self.survival_at(a) + 1e-12
        start = np.searchsorted(self.times, a, side="right")
        # survival is non-increasing: the first index at or after start with survival <= goal
        first = np.searchsorted(-self.survival, -goal, side="left")
        k = np.maximum(first, start)
        found = (k < len(self.times)) & (share <= 1)
        out[found] = self.times[k[found]]
        return out


def product_limit(entry, exit, closed) -> Curve:
    """The Kaplan-Meier curve of requests observed from ``entry`` to ``exit`` (ages), ``closed``
    True where the exit is a closure and False where the request was still open (censored)."""
    entry = np.asarray(entry, dtype="float64")
    exit = np.asarray(exit, dtype="float64")
    closed = np.asarray(closed, dtype=bool)
    if (entry > exit).any():
        raise ValueError("a request leaves observation before it enters (entry > exit)")
    times, deaths = np.unique(exit[closed], return_counts=True)
    entries, exits = np.sort(entry), np.sort(exit)
    at_risk = np.searchsorted(entries, times, side="right") - np.searchsorted(exits, times, side="left")
    survival = np.cumprod(1.0 - deaths / at_risk)
    return Curve(times, survival, entries, exits, int(closed.sum()))
