"""The same numbers on PostgreSQL as on SQLite (portable SQL)."""

from __future__ import annotations

import pytest
from sample_release import TZ, T, build_release_db
from sqlalchemy import create_engine

from portal import brief, db, metrics
from portal.performance import performance_table

pytestmark = pytest.mark.postgres


def _records(frame):
    return frame.astype(object).where(frame.notna(), None).to_dict("records")  # NaN != NaN


def _numbers(url: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return (
                metrics.headline(conn, T),
                _records(performance_table(conn, T, metrics.latest_period(conn, T), "service")),
                metrics.typical_days(conn, "noise", None),
                brief.build_brief(conn, T, TZ, "N1", None, "all"),
                brief.build_brief(conn, T, TZ, "N1", 30, "30"),
                db.read_release(engine, db.current_version(engine)).version,
            )
    finally:
        engine.dispose()


def test_postgres_matches_sqlite(pg_url, sample, tmp_path):
    build_release_db(tmp_path, url=pg_url)
    on_pg, on_sqlite = _numbers(pg_url), _numbers(sample.url)
    assert on_pg == on_sqlite
    assert on_pg[0].median_days == metrics.Measure(5.0, 6, still_open=4, undated=1)
    assert on_pg[4].median_city == on_pg[0].median_days
