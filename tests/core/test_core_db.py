"""core/db.py: the one rule for database URLs and relative SQLite paths, for both sides.

(Named test_core_db.py: tests/portal/test_db.py already holds the basename test_db.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.pool import NullPool

from core import db
from core.tables import metadata, releases


@pytest.mark.parametrize(
    "url, expected",
    [
        (None, "sqlite:///{cwd}/datasets/portal.db"),
        ("", "sqlite:///{cwd}/datasets/portal.db"),
        ("  ", "sqlite:///{cwd}/datasets/portal.db"),
        ("sqlite:///x/y.db", "sqlite:///{cwd}/x/y.db"),
        ("sqlite:///y.db?timeout=5", "sqlite:///{cwd}/y.db?timeout=5"),
        ("sqlite:////abs/y.db", "sqlite:////abs/y.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
    ],
)
def test_relative_sqlite_paths_are_relative_to_the_working_directory(url, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert db.resolve_url(url) == expected.format(cwd=tmp_path)


def test_both_sides_resolve_a_url_the_same_way():
    from etl import pipeline
    from portal import db as portal_db

    assert portal_db.resolve_url is db.resolve_url
    assert pipeline.resolve_url is db.resolve_url
    assert db.DEFAULT_DB_URL == "sqlite:///datasets/portal.db"


@pytest.mark.parametrize(
    "url, message",
    [
        (
            "datasets/portal.db",
            "--db 'datasets/portal.db' is not a database URL; for a SQLite file write --db sqlite:///datasets/portal.db",
        ),
        (
            "/some/file.db",
            "--db '/some/file.db' is not a database URL; for a SQLite file write --db sqlite:////some/file.db",
        ),
        (
            "nosuchdb://h/d",
            "--db 'nosuchdb://h/d' is not a usable database URL (Can't load plugin: sqlalchemy.dialects:nosuchdb)",
        ),
    ],
)
def test_check_url_names_the_corrected_form(url, message):
    with pytest.raises(ValueError) as raised:
        db.check_url(url)
    assert str(raised.value) == message


@pytest.mark.parametrize("url", ["sqlite:///datasets/portal.db", "sqlite://", "postgresql+psycopg://u:p@h:5432/d"])
def test_check_url_accepts_database_urls(url):
    assert db.check_url(url) == url


@pytest.mark.parametrize(
    "url, expected",
    [
        ("sqlite:///x/y.db", Path("x/y.db")),
        ("sqlite:////abs/y.db", Path("/abs/y.db")),
        ("sqlite+pysqlite:///y.db", Path("y.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://u:p@h/d", None),
    ],
)
def test_sqlite_file(url, expected):
    assert db.sqlite_file(url) == expected


def test_sqlite_files_are_not_pooled_other_databases_ping_their_pool(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/a.db")
    assert isinstance(engine.pool, NullPool)
    pg = db.make_engine("postgresql+psycopg://u:p@127.0.0.1:1/d")
    assert pg.pool._pre_ping is True
    assert not isinstance(pg.pool, NullPool)


def test_current_version_from_a_url_or_an_engine(tmp_path):
    url = f"sqlite:///{tmp_path}/portal.db"
    assert db.current_version(url) is None
    assert not (tmp_path / "portal.db").exists()  # asking does not create the file
    engine = db.make_engine(url)
    metadata.create_all(engine)
    assert db.current_version(url) is None
    row = {
        "package_name": "p",
        "title": "t",
        "created": "2025-01-01T00:00:00Z",
        "timezone": "UTC",
        "rows_read": 1,
        "rows_published": 1,
        "rows_quarantined": 0,
        "release_dir": "/r",
        "datapackage_json": "{}",
        "report_json": "{}",
        "changelog_json": "{}",
    }
    with engine.begin() as conn:
        conn.execute(insert(releases), [{**row, "version": "1.0.0", "is_current": False}])
        conn.execute(insert(releases), [{**row, "version": "1.1.0", "is_current": True}])
    assert db.current_version(url) == db.current_version(engine) == "1.1.0"


def test_current_version_of_an_unreachable_database_is_none():
    assert db.current_version("postgresql+psycopg://u:p@127.0.0.1:1/d?connect_timeout=2") is None


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql+psycopg://user:secret@db.example:5432/portal", "db.example:5432/portal"),
        ("sqlite:///a.db", "sqlite:///a.db"),
    ],
)
def test_display_url_leaves_out_the_credentials(url, shown):
    assert db.display_url(url) == shown
