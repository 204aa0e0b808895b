"""Portable medians and nearest-rank percentiles, checked against hand-computed values."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, insert

from portal.sqlstats import median_and_rank_by, median_by, median_of_ordered_by, nearest_rank_by

meta = MetaData()
values = Table("v", meta, Column("id", Integer, primary_key=True), Column("g", String), Column("x", Float))


@pytest.fixture
def load(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/v.db")
    meta.create_all(engine)

    def put(rows):
        if rows:
            with engine.begin() as conn:
                conn.execute(insert(values), [{"g": g, "x": x} for g, x in rows])
        return engine.connect()

    return put


@pytest.mark.parametrize(
    "xs, median",
    [
        ([5], 5.0),
        ([1, 3], 2.0),  # even n: average of the two middle values
        ([3, 1, 2], 2.0),
        ([1, 2, 4, 6, 8, 12, 20], 6.0),
        ([4, 1, 3, 2], 2.5),
        ([1, 1, 1, 9], 1.0),
        ([0.5, 2, 3, 8, 40, 100], 5.5),
    ],
)
def test_median_by_exact(load, xs, median):
    with load([("a", x) for x in xs]) as conn:
        assert median_by(conn, values.c.x, from_=values) == {(): (median, len(xs))}


def test_median_by_groups_and_nulls(load):
    rows = [("a", 1), ("a", 2), ("a", None), ("b", 10), ("b", 30), ("b", 20), ("b", 40)]
    with load(rows) as conn:
        got = median_by(conn, values.c.x, from_=values, groups={"g": values.c.g})
    assert got == {("a",): (1.5, 2), ("b",): (25.0, 4)}


@pytest.mark.parametrize(
    "n, pct, rank",
    [
        (1, 90, 1),
        (7, 90, 7),
        (10, 90, 9),
        (11, 90, 10),
        (20, 90, 18),
        (20, 50, 10),
        (3, 90, 3),
        (100, 90, 90),
        (101, 90, 91),
        (4, 25, 1),
        (4, 100, 4),
    ],
)
def test_nearest_rank_is_ceil_of_p_n(load, n, pct, rank):
    # values 1..n in shuffled order: the percentile is the value at rank ceil(p*n/100)
    xs = list(range(1, n + 1))
    random.Random(n).shuffle(xs)
    with load([("a", x) for x in xs]) as conn:
        assert nearest_rank_by(conn, values.c.x, pct, from_=values) == {(): (float(rank), n)}


def test_nearest_rank_rejects_bad_percentile(load):
    with load([("a", 1)]) as conn, pytest.raises(ValueError):
        nearest_rank_by(conn, values.c.x, 0, from_=values)


def test_empty_input_gives_no_groups(load):
    with load([]) as conn:
        assert median_by(conn, values.c.x, from_=values) == {}
        assert nearest_rank_by(conn, values.c.x, 90, from_=values) == {}


@pytest.mark.parametrize("pct", [1, 50, 90, 100])
def test_median_and_rank_by_is_both_from_one_query(load, pct):
    # groups of 0..12 values with ties and nulls; pct 50 makes the rank row a middle row too
    rng = random.Random(pct)
    rows = [(g, rng.choice([None, 1, 2, 2, 3.5, 7, 7, 10, 40])) for g in "abcdefg" for _ in range(rng.randint(0, 12))]
    with load(rows) as conn:
        for groups in ({}, {"g": values.c.g}):
            both = median_and_rank_by(conn, values.c.x, pct, from_=values, groups=groups)
            assert both == (
                median_by(conn, values.c.x, from_=values, groups=groups),
                nearest_rank_by(conn, values.c.x, pct, from_=values, groups=groups),
            )
            assert len(both[0]) == (len({g for g, x in rows if x is not None}) if groups else 1)


def test_median_and_rank_by_small_cases(load):
    with load([("a", 4), ("a", 1), ("a", 3), ("a", 2), ("b", 5)]) as conn:
        got = median_and_rank_by(conn, values.c.x, 90, from_=values, groups={"g": values.c.g})
    assert got == ({("a",): (2.5, 4), ("b",): (5.0, 1)}, {("a",): (4.0, 4), ("b",): (5.0, 1)})
    with load([]) as conn, pytest.raises(ValueError):
        median_and_rank_by(conn, values.c.x, 101, from_=values)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_median_of_ordered_rows_equals_the_windowed_median(load, seed):
    # groups of 0..12 values with ties and nulls, and a transform applied to the middle values
    rng = random.Random(seed)
    rows = [(g, rng.choice([None, 1, 2, 2, 3.5, 7, 7, 10, 40])) for g in "abcdefg" for _ in range(rng.randint(0, 12))]
    with load(rows) as conn:
        for groups in ({}, {"g": values.c.g}):
            for transform in (float, lambda x: 100 - 3 * x):
                ordered = median_of_ordered_by(conn, values.c.x, from_=values, groups=groups, transform=transform)
                assert ordered == median_by(conn, values.c.x, from_=values, groups=groups, transform=transform)


def test_median_of_ordered_rows_small_cases(load):
    rows = [("a", 4), ("a", 1), ("a", 3), ("a", 2), ("b", 5), ("b", None), ("c", 9), ("c", 1), ("c", 5)]
    with load(rows) as conn:
        got = median_of_ordered_by(conn, values.c.x, from_=values, groups={"g": values.c.g}, where=[values.c.x < 9])
    assert got == {("a",): (2.5, 4), ("b",): (5.0, 1), ("c",): (3.0, 2)}
