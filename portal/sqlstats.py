"""Portable order statistics in SQL (SQLite and PostgreSQL), computed in the database.

Neither SQLite nor PostgreSQL's ``percentile_cont`` is portable, so every order statistic is
computed the same way: number the values within each group with
``row_number() over (partition by g order by v)`` next to ``count(*) over (partition by g)``,
then keep only the rows at the wanted rank. At most two rows per group leave the database.

* **Median**: the average of the two middle values when n is even, the middle value when n is
  odd (the textbook median; it equals ``pandas.Series.median``). The middle rows are exactly
  those with ``n <= 2*rn <= n + 2``, which needs no division.
* **Percentile p (nearest rank)**: the smallest value whose rank ``rn`` satisfies
  ``rn >= p/100 * n``, i.e. ``rn = ceil(p * n / 100)``. The rank conditions
  ``100*rn >= p*n`` and ``100*(rn-1) < p*n`` are integer arithmetic, again with no division.
  For n = 7, p90 is the 7th value; for n = 10 the 9th; for n = 20 the 18th.
* ``median_and_rank_by`` gives both from one numbering (one sort instead of two).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

Groups = Mapping[str, ColumnElement]


def _ranked(value: ColumnElement, groups: Groups, where: Sequence, from_) -> Any:
    partition = list(groups.values()) or None
    cols = [expr.label(name) for name, expr in groups.items()]
    return (
        select(
            *cols,
            value.label("v"),
            func.row_number().over(partition_by=partition, order_by=value).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        )
        .select_from(from_)
        .where(value.is_not(None), *where)
        .subquery("ranked")
    )


def _key(row, names: Sequence[str]) -> tuple:
    return tuple(row[name] for name in names)


def median_by(
    conn: Connection,
    value: ColumnElement,
    *,
    from_,
    where: Sequence = (),
    groups: Groups | None = None,
    transform: Callable[[Any], float] = float,
) -> dict[tuple, tuple[float, int]]:
    """``{group key: (median, n)}``; the key is ``()`` without groups.

    ``transform`` turns each middle value into a number before averaging (e.g. a datetime into
    an age in days); for an age, order by the datetime descending is the same as ascending age,
    and the two middles are the same rows either way.
    """
    groups = groups or {}
    ranked = _ranked(value, groups, where, from_)
    names = list(groups)
    query = select(*[ranked.c[n] for n in names], ranked.c.v, ranked.c.n).where(_middle(ranked))
    middles: dict[tuple, list[float]] = defaultdict(list)
    sizes: dict[tuple, int] = {}
    for row in conn.execute(query).mappings():
        key = _key(row, names)
        middles[key].append(transform(row["v"]))
        sizes[key] = int(row["n"])
    return _medians(middles, sizes)


def _middle(ranked) -> ColumnElement:
    return and_(2 * ranked.c.rn >= ranked.c.n, 2 * ranked.c.rn <= ranked.c.n + 2)


def _at_rank(ranked, pct: int) -> ColumnElement:
    return and_(100 * ranked.c.rn >= pct * ranked.c.n, 100 * (ranked.c.rn - 1) < pct * ranked.c.n)


def _medians(middles: Mapping[tuple, list[float]], sizes: Mapping[tuple, int]) -> dict[tuple, tuple[float, int]]:
    return {k: (sum(v) / len(v), sizes[k]) for k, v in middles.items()}


def _check_pct(pct: int) -> None:
    if not 0 < int(pct) <= 100:
        raise ValueError(f"percentile must be in 1..100, got {pct!r}")


def nearest_rank_by(
    conn: Connection,
    value: ColumnElement,
    pct: int,
    *,
    from_,
    where: Sequence = (),
    groups: Groups | None = None,
) -> dict[tuple, tuple[float, int]]:
    """``{group key: (p-th percentile by nearest rank, n)}`` for an integer ``pct`` in 1..100."""
    _check_pct(pct)
    groups = groups or {}
    ranked = _ranked(value, groups, where, from_)
    names = list(groups)
    query = select(*[ranked.c[n] for n in names], ranked.c.v, ranked.c.n).where(_at_rank(ranked, pct))
    return {_key(r, names): (float(r["v"]), int(r["n"])) for r in conn.execute(query).mappings()}


def median_and_rank_by(
    conn: Connection,
    value: ColumnElement,
    pct: int,
    *,
    from_,
    where: Sequence = (),
    groups: Groups | None = None,
) -> tuple[dict[tuple, tuple[float, int]], dict[tuple, tuple[float, int]]]:
    """``(median_by(...), nearest_rank_by(..., pct))`` from one query: the rows at either rank."""
    _check_pct(pct)
    groups = groups or {}
    ranked = _ranked(value, groups, where, from_)
    names = list(groups)
    middle, at_rank = _middle(ranked), _at_rank(ranked, pct)
    query = select(*[ranked.c[n] for n in names], ranked.c.v, ranked.c.n, middle.label("is_middle"),
                   at_rank.label("is_rank")).where(or_(middle, at_rank))
    middles: dict[tuple, list[float]] = defaultdict(list)
    sizes: dict[tuple, int] = {}
    ranks: dict[tuple, tuple[float, int]] = {}
    for row in conn.execute(query).mappings():
        key = _key(row, names)
        if row["is_middle"]:
            middles[key].append(float(row["v"]))
            sizes[key] = int(row["n"])
        if row["is_rank"]:
            ranks[key] = (float(row["v"]), int(row["n"]))
    return _medians(middles, sizes), ranks
