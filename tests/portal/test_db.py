"""The current release and its row, as the read side reads them (the URL rules: tests/core/test_db.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import create_engine, update

from core.tables import metadata, releases
from portal import db


def test_current_version_none_without_file_tables_or_release(tmp_path):
    missing = db.make_engine(f"sqlite:///{tmp_path}/missing.db")
    assert db.current_version(missing) is None
    assert not (tmp_path / "missing.db").exists()
    empty = create_engine(f"sqlite:///{tmp_path}/empty.db")
    assert db.current_version(empty) is None  # no tables
    metadata.create_all(empty)
    assert db.current_version(empty) is None  # tables, no release


def test_read_release(sample):
    engine = create_engine(sample.url)
    rel = db.read_release(engine, db.current_version(engine))
    assert (rel.version, rel.timezone, rel.is_demo) == ("2024.04.01-test", "America/Denver", False)
    assert rel.as_of == datetime(2024, 4, 1)  # data_through in naive UTC
    assert rel.report["rows_quarantined"] == 2
    assert db.read_release(engine, "nope") is None


def test_missing_data_through_falls_back_to_the_data(make_release_db):
    built = make_release_db()
    engine = create_engine(built.url)
    with engine.begin() as conn:
        conn.execute(update(releases).values(data_through=None))
    assert db.read_release(engine, built.version).as_of == datetime(2024, 3, 31, 12)  # SR-13


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-31T18:00:00-06:00", datetime(2024, 4, 1)),
        ("2024-04-01T00:00:00Z", datetime(2024, 4, 1)),
        ("2024-04-01 00:00:00", datetime(2024, 4, 1)),
    ],
)
def test_parse_utc_naive(text, expected):
    assert db.parse_utc_naive(text) == expected
