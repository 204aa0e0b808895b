"""Precomputed figures (portal.summaries, stored through core.figures at load time) equal the live ones."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_release import VERSION, T
from sqlalchemy import create_engine, func, select

from core.figures import store_figures
from core.tables import releases, service_requests
from core.tables import summaries as summaries_table
from portal import metrics, queries, summaries
from portal.performance import performance_table


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The sample release with its summaries written the way the load writes them."""
    from sample_release import build_release_db

    sample = build_release_db(tmp_path_factory.mktemp("summaries"))
    engine = create_engine(sample.url)
    with engine.begin() as conn:
        through = conn.execute(select(releases.c.data_through).where(releases.c.version == VERSION)).scalar()
        store_figures(conn, VERSION, through)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def test_summary_headline_equals_live(stored):
    assert summaries.stored(stored, VERSION, "headline") is not None
    assert summaries.headline(stored, VERSION, T) == metrics.headline(stored, T)


@pytest.mark.parametrize("by", ["agency", "service"])
def test_summary_performance_equals_live(stored, by):
    assert summaries.stored(stored, VERSION, f"performance:{by}:30") is not None
    live = performance_table(stored, T, metrics.latest_period(stored, T, 30), by)
    pd.testing.assert_frame_equal(summaries.performance_table(stored, VERSION, T, by, 30), live, check_exact=True)


@pytest.mark.parametrize("days", [90, 365, None])
def test_periods_not_precomputed_are_live(stored, days):
    assert summaries.stored(stored, VERSION, f"performance:agency:{days or 'all'}") is None
    live = performance_table(stored, T, metrics.latest_period(stored, T, days), "agency")
    pd.testing.assert_frame_equal(summaries.performance_table(stored, VERSION, T, "agency", days), live)


def test_summaries_of_another_release_are_not_read(stored):
    assert summaries.stored(stored, "9999.01.01-other", "headline") is None
    assert summaries.headline(stored, "9999.01.01-other", T) == metrics.headline(stored, T)


def test_writing_again_replaces_the_summaries(stored):
    count = select(func.count()).select_from(summaries_table)
    before = stored.execute(count).scalar()
    summaries.store(stored, VERSION, T)
    assert stored.execute(count).scalar() == before == 2 + 2 * len(summaries.PERFORMANCE_PERIODS)
    stored.rollback()


def test_without_a_summaries_table_the_figures_are_live(make_release_db):
    engine = create_engine(make_release_db().url)  # a database loaded before the table existed
    summaries_table.drop(engine)
    with engine.connect() as conn:
        assert summaries.headline(conn, VERSION, T) == metrics.headline(conn, T)
        assert summaries.performance_table(conn, VERSION, T, "agency", 30).equals(
            performance_table(conn, T, metrics.latest_period(conn, T, 30), "agency")
        )
    engine.dispose()


def test_unknown_grouping_is_rejected(stored):
    with pytest.raises(ValueError):
        summaries.performance_table(stored, VERSION, T, "ward", 30)


def test_citywide_median_of_the_headline_period_equals_live(stored):
    period = metrics.latest_period(stored, T, 30)
    live = metrics.days_to_close(stored, period).get((), metrics.NO_DATA)
    assert summaries.citywide_days_to_close(stored, VERSION, T, 30) == live
    assert summaries.citywide_days_to_close(stored, VERSION, T, 90) is None


def test_performance_by_type_groups_by_code_only_when_that_changes_nothing(tmp_path):
    """Grouping by the type's code (indexed, no join) is used only when every code in the table
    has one service_types name of its own; the table is then exactly the joined grouping by name.
    A code without a service_types row, and two codes under one name, are grouped by name (the
    latter in one row), as the definition says."""
    from unittest import mock

    from sample_release import build_release_db

    from portal import performance

    sample = build_release_db(tmp_path)
    engine = create_engine(sample.url)
    with engine.begin() as conn:
        names = performance._type_names(conn)
        assert names is not None and len(names) >= 3
        period = metrics.latest_period(conn, T, 30)
        by_code = performance_table(conn, T, period, "service")
        with mock.patch.object(performance, "_type_names", lambda _conn: None):
            by_name = performance_table(conn, T, period, "service")
        pd.testing.assert_frame_equal(by_code, by_name, check_exact=True)
        whole = performance_table(conn, T, metrics.latest_period(conn, T, None), "service")
        first, second = sorted(names)[:2]
        # a code of the requests without a service_types row: grouped by name (the request's own)
        conn.exec_driver_sql("DELETE FROM service_types WHERE service_code = ?", (second,))
        assert performance._type_names(conn) is not None
        orphan = performance_table(conn, T, metrics.latest_period(conn, T, None), "service")
        with mock.patch.object(performance, "_type_names", lambda _conn: None):
            pd.testing.assert_frame_equal(
                orphan, performance_table(conn, T, metrics.latest_period(conn, T, None), "service"), check_exact=True
            )
        conn.exec_driver_sql(
            "INSERT INTO service_types (service_code, service_name, is_sensitive) VALUES (?, ?, 0)",
            (second, names[first]),
        )
        assert performance._type_names(conn) is None
        merged = performance_table(conn, T, metrics.latest_period(conn, T, None), "service")
    engine.dispose()
    requests = dict(zip(whole["group"], whole["requests"]))
    assert len(merged) == len(whole) - 1
    assert (
        dict(zip(merged["group"], merged["requests"]))[names[first]] == requests[names[first]] + requests[names[second]]
    )


def test_unfiltered_counts_are_stored_and_equal_live(stored):
    assert summaries.stored(stored, VERSION, "counts") is not None
    total = stored.execute(select(func.count()).select_from(service_requests)).scalar()
    assert summaries.count_where(stored, VERSION, []) == queries.count_where(stored, []) == total
    live = queries.neighborhood_values(stored, [], "count")
    assert summaries.neighborhood_values(stored, VERSION, [], "count") == live
    placed = select(func.count()).select_from(service_requests).where(service_requests.c.neighborhood_code.is_not(None))
    assert sum(n for _, n in live.values()) == stored.execute(placed).scalar() > 0


def test_filtered_counts_and_other_measures_are_live(stored, monkeypatch):
    # a stored payload that no live query could give: only unfiltered counts may read it
    monkeypatch.setattr(summaries, "stored", lambda *a: '{"all": -1, "by_neighborhood": {"X": -1}}')
    assert summaries.count_where(stored, VERSION, []) == -1
    assert summaries.neighborhood_values(stored, VERSION, [], "count") == {"X": (-1.0, -1)}
    opened = [queries.SR.status == "open"]
    assert summaries.count_where(stored, VERSION, opened) == queries.count_where(stored, opened) > 0
    assert summaries.neighborhood_values(stored, VERSION, opened, "count") == queries.neighborhood_values(
        stored, opened, "count"
    )
    assert summaries.neighborhood_values(stored, VERSION, [], "backlog") == queries.neighborhood_values(
        stored, [], "backlog"
    )


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_summaries_computed_in_threads_are_the_same_payloads(stored, threads):
    """A fresh SQLite build computes its summaries on two connections at once (etl/load.py)."""
    one = summaries.compute(stored, T)
    many = summaries.compute_in_threads(stored.engine.connect, T, threads=threads)
    assert list(many) == list(one) == ["headline", "counts", "performance:agency:30", "performance:service:30"]
    assert many == one


def test_store_figures_stores_them_in_the_loads_transaction(tmp_path):
    """The ETL stores them through core.figures (portal.summaries.store_release): they commit
    or roll back with the rest of the load."""
    from sample_release import build_release_db

    engine = create_engine(build_release_db(tmp_path).url)
    with engine.connect() as conn:
        trans = conn.begin()
        through = conn.execute(select(releases.c.data_through)).scalar()
        store_figures(conn, VERSION, through)
        names = conn.execute(select(summaries_table.c.name).order_by(summaries_table.c.name)).scalars().all()
        trans.rollback()
        assert conn.execute(select(summaries_table.c.name)).scalars().all() == []
    engine.dispose()
    assert names == ["counts", "headline", "performance:agency:30", "performance:service:30"]
