"""Loading a published release into SQL: SQLite always, PostgreSQL when PORTAL_TEST_PG_URL is set.

The releases come from the Tiny City fixture (tests/fixtures/etl/tiny), so these tests need no
real data. Each PostgreSQL test starts from dropped tables.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from etl_testkit import AS_OF, TINY, read_text_csv
from sqlalchemy import create_engine, inspect, select, text

from core.db import current_version
from core.tables import metadata, service_requests
from etl.load import write_release_to_db
from etl.pipeline import publish_release

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]
# the indexes the read side's queries rely on (core/tables.py may declare more)
INDEXES = {  # leading columns (the dashboard's covering indexes carry more after them)
    "ix_sr_neighborhood": ["neighborhood_code", "requested_datetime"],
    "ix_sr_requested": ["requested_datetime"],
    "ix_sr_open": ["status"],
}


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portal.db'}"
    url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    return url


def rows(db_url: str, sql: str) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def package_counts(release: Path) -> dict[str, int]:
    geo = json.loads((release / "data" / "neighborhoods.geojson").read_text(encoding="utf-8"))
    return {
        "service_requests": len(read_text_csv(release / "data" / "service_requests.csv")),
        "neighborhoods": len(geo["features"]),
        "service_types": len(read_text_csv(release / "data" / "service_types.csv")),
        "releases": 1,
    }


def db_counts(db_url: str) -> dict[str, int]:
    return {
        t: rows(db_url, f"select count(*) from {t}")[0][0]
        for t in ("service_requests", "neighborhoods", "service_types", "releases")
    }


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory) -> tuple[Path, Path]:
    """1.0.0 from the Tiny City rows, 1.1.0 from the same rows without the first five data lines."""
    base = tmp_path_factory.mktemp("releases")
    lines = (TINY / "requests.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    later = base / "later.csv"
    later.write_text(lines[0] + "".join(lines[6:]), encoding="utf-8")
    dirs = []
    for path in (TINY / "requests.csv", later):
        result = publish_release(
            str(TINY / "profile.toml"),
            path,
            out=base / "out",
            db_url=f"sqlite:///{base / 'own.db'}",
            as_of=datetime.fromisoformat(AS_OF),
            private_dir=base / "private",
        )
        dirs.append(result.release_dir)
    assert [d.name for d in dirs] == ["1.0.0", "1.1.0"]
    return dirs[0], dirs[1]


def test_load_counts_match_the_package(db_url, tiny_release):
    assert write_release_to_db(db_url, tiny_release.dir) == "1.0.0"
    assert package_counts(tiny_release.dir) == {
        "service_requests": 23,
        "neighborhoods": 2,
        "service_types": 2,
        "releases": 1,
    }
    assert db_counts(db_url) == package_counts(tiny_release.dir)
    report = tiny_release.report
    assert rows(
        db_url,
        "select version, package_name, is_current, rows_read, rows_published, rows_quarantined, timezone from releases",
    ) == [
        (
            "1.0.0",
            "tiny-city-311",
            True,
            report["rows_read"],
            report["rows_published"],
            report["rows_quarantined"],
            "America/Chicago",
        )
    ]
    stored = rows(db_url, "select datapackage_json, report_json from releases")[0]
    assert json.loads(stored[0]) == json.loads((tiny_release.dir / "datapackage.json").read_text(encoding="utf-8"))
    assert json.loads(stored[1]) == report
    assert current_version(db_url) == "1.0.0"


def test_load_drops_indexes_an_earlier_version_made(db_url, tiny_release):
    engine = create_engine(db_url)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX ix_sr_status ON service_requests (status, requested_datetime)"))
            conn.execute(text("CREATE INDEX ix_sr_agency ON service_requests (agency_responsible)"))
        assert {"ix_sr_status", "ix_sr_agency"} <= {i["name"] for i in inspect(engine).get_indexes("service_requests")}
    finally:
        engine.dispose()
    write_release_to_db(db_url, tiny_release.dir)
    assert rows(db_url, "SELECT count(*) FROM service_requests") == [
        (package_counts(tiny_release.dir)["service_requests"],)
    ]
    engine = create_engine(db_url)
    try:
        assert sorted(i["name"] for i in inspect(engine).get_indexes("service_requests")) == [
            "ix_sr_neighborhood",
            "ix_sr_open",
            "ix_sr_requested",
        ]
    finally:
        engine.dispose()


def test_load_indexes_and_keys_exist(db_url, tiny_release):
    write_release_to_db(db_url, tiny_release.dir)
    engine = create_engine(db_url)
    try:
        insp = inspect(engine)
        declared = {
            ix.name: [c.name for c in ix.columns] for ix in service_requests.indexes
        }  # the contract (core/tables.py)
        # lookups by id (the key), by neighborhood and by date: each index starts with these columns
        assert {name: declared[name][: len(cols)] for name, cols in INDEXES.items()} == INDEXES
        assert {i["name"]: i["column_names"] for i in insp.get_indexes("service_requests")} == declared
        # ix_sr_open holds the open requests only
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_sr_open'")).scalar()
            else:
                ddl = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_sr_open'")).scalar()
        assert (
            ddl.endswith("WHERE status = 'open'")
            if engine.dialect.name == "sqlite"
            else ddl.endswith("WHERE ((status)::text = 'open'::text)")
        )
        assert insp.get_pk_constraint("service_requests")["constrained_columns"] == ["service_request_id"]
        assert insp.get_pk_constraint("neighborhoods")["constrained_columns"] == ["neighborhood_code"]
        assert insp.get_pk_constraint("service_types")["constrained_columns"] == ["service_code"]
        assert insp.get_pk_constraint("releases")["constrained_columns"] == ["version"]
        assert [c["name"] for c in insp.get_columns("service_requests")] == list(
            read_text_csv(tiny_release.dir / "data" / "service_requests.csv").columns
        )
    finally:
        engine.dispose()


def test_load_same_release_twice_keeps_one_row_per_id(db_url, tiny_release):
    write_release_to_db(db_url, tiny_release.dir)
    write_release_to_db(db_url, tiny_release.dir)
    assert db_counts(db_url) == package_counts(tiny_release.dir)
    assert rows(db_url, "select count(distinct service_request_id) from service_requests") == [(23,)]
    assert rows(db_url, "select version, is_current from releases") == [("1.0.0", True)]


def test_load_values_as_published(db_url, tiny_release):
    write_release_to_db(db_url, tiny_release.dir)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:  # typed columns: what the read side gets
            c = service_requests.c
            got = conn.execute(
                select(
                    c.requested_datetime,
                    c.closed_datetime,
                    c.lat,
                    c.long,
                    c.days_to_close,
                    c.neighborhood_code,
                    c.address,
                    c.address_id,
                    c.quality_flags,
                    c.location_precision,
                ).where(c.service_request_id == "T-001")
            ).all()
    finally:
        engine.dispose()
    # datetimes are stored as naive UTC; empty text cells as NULL
    assert [tuple(r) for r in got] == [
        (
            datetime(2024, 3, 1, 15, 15),
            datetime(2024, 3, 2, 16, 0),
            41.951,
            -87.655,
            1.03,
            "N1",
            "1200 block of N MAIN ST",
            None,
            None,
            "point_3dp",
        )
    ]
    assert rows(db_url, "select service_code, target_days, is_sensitive from service_types order by service_code") == [
        ("pothole-in-street", 3.0, False),
        ("welfare-check", None, True),
    ]


def test_load_sqlite_datetimes_are_sqlite_datetimes(tmp_path, tiny_release):
    """SQLite's own date functions must read the stored text ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    db = f"sqlite:///{tmp_path / 'portal.db'}"
    write_release_to_db(db, tiny_release.dir)
    assert rows(db, "select requested_datetime from service_requests where service_request_id = 'T-001'") == [
        ("2024-03-01 15:15:00.000000",)
    ]
    assert rows(db, "select count(*) from service_requests where julianday(requested_datetime) is null") == [(0,)]


def test_chunk_databases_load_the_same_rows_as_inserts(tmp_path, tiny_release):
    """The pipeline's workers put each chunk's rows in an in-memory SQLite database (sqlite_chunk)
    that the build copies in batches (add_chunk); write_release_to_db inserts from the Parquet file (add).
    Both give the same rows with the same stored types."""
    import pyarrow.parquet as pq

    from etl.io.sqlite_build import CHUNK_DATABASES, SqliteBuild, sqlite_chunk

    assert CHUNK_DATABASES, "this Python's sqlite3 cannot serialize databases"
    table = pq.read_table(tiny_release.dir / "data" / "service_requests.parquet")
    built = {}
    for how in ("add", "add_chunk"):
        build = SqliteBuild(tmp_path / f"{how}.db", batch_rows=2)  # batches of 2 rows: several per chunk
        for start in range(0, table.num_rows, 5):  # chunks of 5 rows
            part = table.slice(start, 5)
            build.add(part) if how == "add" else build.add_chunk(sqlite_chunk(part, batch_rows=3))
        build.finish(tiny_release.dir, tiny_release.dir)
        built[how] = f"sqlite:///{tmp_path / f'{how}.db'}"
    columns = [c.name for c in service_requests.columns]
    sql = f"select {', '.join(f'{c}, typeof({c})' for c in columns)} from service_requests order by rowid"
    assert rows(built["add_chunk"], sql) == rows(built["add"], sql)
    assert len(rows(built["add_chunk"], sql)) == table.num_rows == package_counts(tiny_release.dir)["service_requests"]
    assert rows(
        built["add_chunk"],
        "select requested_datetime, typeof(lat) from service_requests where service_request_id = 'T-001'",
    ) == [("2024-03-01 15:15:00.000000", "real")]


def test_load_next_release_replaces_the_rows(db_url, two_releases):
    first, second = two_releases
    write_release_to_db(db_url, first)
    write_release_to_db(db_url, second)
    assert db_counts(db_url) == {**package_counts(second), "releases": 2}
    assert package_counts(second)["service_requests"] == 18
    assert rows(db_url, "select version, is_current from releases order by version") == [
        ("1.0.0", False),
        ("1.1.0", True),
    ]
    assert rows(
        db_url,
        "select count(*) from service_requests where service_request_id in ('T-001', 'T-002', 'T-003', 'T-004', 'T-005')",
    ) == [(0,)]
    write_release_to_db(db_url, first)  # going back is a load like any other
    assert rows(db_url, "select version, is_current from releases order by version") == [
        ("1.0.0", True),
        ("1.1.0", False),
    ]
    assert db_counts(db_url) == {**package_counts(first), "releases": 2}


def test_cli_load(run_cli, tmp_path, tiny_release):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_cli("load", "--release", tiny_release.dir, "--db", db) == (0, f"loaded release 1.0.0 into {db}\n", "")
    assert db_counts(db) == package_counts(tiny_release.dir)


def test_load_a_copied_release(tmp_path, tiny_release):
    """A release folder is self-contained: a copy elsewhere loads the same rows."""
    copy = tmp_path / "copy"
    shutil.copytree(tiny_release.dir.resolve(), copy)
    db = f"sqlite:///{tmp_path / 'copy.db'}"
    write_release_to_db(db, copy)
    assert rows(db, "select release_dir from releases") == [(str(copy),)]
    assert db_counts(db) == package_counts(tiny_release.dir)


@pytest.mark.postgres
def test_postgres_load_leaves_planner_statistics(pg_url, tiny_release):
    """The load ends with ANALYZE: the dashboard's first queries after a load are planned with
    column statistics (pg_stats), not with the defaults of an unanalysed table."""
    engine = create_engine(pg_url)
    metadata.drop_all(engine)
    engine.dispose()
    write_release_to_db(pg_url, tiny_release.dir)
    got = rows(
        pg_url,
        "select attname, n_distinct from pg_stats where tablename = 'service_requests' "
        "and attname in ('service_request_id', 'status') order by attname",
    )
    assert got == [("service_request_id", -1.0), ("status", 2.0)]
    # and VACUUM after the commit: every page of the table all-visible (index-only scans at once)
    assert rows(
        pg_url, "select relallvisible = relpages and relpages > 0 from pg_class where relname = 'service_requests'"
    ) == [(True,)]
