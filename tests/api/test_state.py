"""A worker's database access: statements bounded in time, and the answer cache."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from portal import db
from portal.api.state import AnswerCache, NoRelease, install_timeout, is_timeout

FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def test_sqlite_statements_are_interrupted_at_the_timeout(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/t.db")
    install_timeout(engine, 0.2)
    with engine.connect() as conn:
        time.sleep(0.3)  # the clock starts with each statement, not with the connection
        assert conn.execute(text("SELECT 1")).scalar() == 1
        started = time.monotonic()
        with pytest.raises(OperationalError) as exc:
            conn.execute(text(FOREVER))
        assert 0.2 <= time.monotonic() - started < 5
    assert is_timeout(exc.value)
    engine.dispose()


@pytest.mark.postgres
def test_postgres_statements_are_cancelled_at_the_timeout(pg_url):
    engine = db.make_engine(pg_url)
    install_timeout(engine, 0.2)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        with pytest.raises(OperationalError) as exc:
            conn.execute(text("SELECT pg_sleep(3)"))
    assert is_timeout(exc.value)
    engine.dispose()


def test_other_database_errors_are_not_timeouts(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/t.db")
    with engine.connect() as conn, pytest.raises(OperationalError) as exc:
        conn.execute(text("SELECT * FROM missing"))
    assert not is_timeout(exc.value)


def test_answer_cache_drops_the_least_recently_used():
    cache = AnswerCache(100)
    for key in "abc":
        cache.put((key,), (b"x" * 25, {}))
    assert cache.get(("a",)) == (b"x" * 25, {})  # a is now the most recent
    cache.put(("d",), (b"y" * 25, {}))
    cache.put(("e",), (b"z" * 25, {}))  # 125 bytes: b goes (least recently used)
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None and cache.get(("e",)) is not None
    cache.put(("big",), (b"w" * 26, {}))  # more than a quarter of the cache: never kept
    assert cache.get(("big",)) is None


def test_the_current_release_follows_every_commit_and_every_new_file(tmp_path):
    import os
    import shutil
    import sqlite3

    from sample_release import VERSION, build_release_db

    from portal.api.state import Service

    sample = build_release_db(tmp_path)
    service = Service(sample.url, 10, 2**20)
    first = service.current()
    assert first.version == VERSION and service.current() is first  # no commit: nothing read again
    with sqlite3.connect(sample.db_path) as conn:  # a commit in place (an incremental load)
        conn.execute("UPDATE releases SET version = 'in-place'")
    assert service.current().version == "in-place"
    copy = tmp_path / "next.db"
    shutil.copy(sample.db_path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE releases SET version = 'renamed'")
    os.replace(copy, sample.db_path)  # a full load: a new file renamed over the old one
    assert service.current().version == "renamed"
    with service.connect() as conn:  # kept connections moved to the new file too
        assert conn.execute(text("SELECT version FROM releases")).scalar() == "renamed"
    sample.db_path.unlink()
    with pytest.raises(NoRelease):
        service.current()
    service.dispose()
