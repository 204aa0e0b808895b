"""Load one published release into the SQL database (SQLite by default, PostgreSQL in production).

The whole load is one transaction: the old release's rows are removed, the new ones inserted and
``releases.is_current`` moved, then it commits. A failed or killed load leaves the database
exactly as it was. Rows come from the release's Parquet file, so the database holds exactly what
the package publishes. SQLite gets a plain ``executemany``; PostgreSQL gets ``COPY``.

During a publish, a SQLite database is built while the release is staged (``SqliteBuild``): the
transform's workers put each chunk's typed rows (the same Arrow table the Parquet file gets) into
an in-memory SQLite database (``sqlite_chunk``) and the main process copies them inside SQLite
(``add_chunk``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Column, MetaData, Table, delete, event, insert, text, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable

from core.db import make_engine, resolve_url, sqlite_file
from core.figures import store_figures
from core.tables import RETIRED_INDEXES, metadata, neighborhoods, releases, service_requests, service_types

from . import faults, runtime
from .cells import sql_text


def _utc_naive(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Naive UTC in whole seconds (published datetimes have no fractions)."""
    return col.cast(pa.timestamp("s", tz="UTC"), safe=False).cast(pa.timestamp("s"))


def _rows(batch: pa.RecordBatch, sqlite: bool) -> tuple[list[str], list[tuple]]:
    table = pa.Table.from_batches([batch])
    cols = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type):
            # SQLite: SQLAlchemy's DateTime storage format as text; others: naive UTC datetimes
            col = sql_text(col) if sqlite else _utc_naive(col)
        cols.append(col.to_pylist())
    return table.column_names, list(zip(*cols))


def _sqlite_insert(names: list[str]) -> str:
    return f"INSERT INTO service_requests ({','.join(names)}) VALUES ({','.join('?' * len(names))})"


# Python's sqlite3 can hand a whole in-memory database over as bytes (SQLite >= 3.36)
CHUNK_DATABASES = hasattr(sqlite3.Connection, "serialize") and hasattr(sqlite3.Connection, "deserialize")


@lru_cache(maxsize=1)
def _chunk_table_sql() -> str:
    """CREATE TABLE for a chunk database: service_requests' columns in the same order, no key, no index."""
    bare = Table(
        service_requests.name,
        MetaData(),
        *[Column(c.name, c.type, nullable=c.nullable) for c in service_requests.columns],
    )
    return str(CreateTable(bare).compile(dialect=sqlite_dialect.dialect()))


def sqlite_chunk(rows: pa.Table, batch_rows: int = 25_000) -> bytes:
    """The rows as a serialized in-memory SQLite database with one table, service_requests.

    Made in the transform's worker processes, so that the Python work of a SQLite load (a tuple of
    Python objects per row, then ``executemany``) runs in parallel; ``SqliteBuild.add_chunk`` then
    copies the rows inside SQLite, which costs the main process well under a second per million rows.
    """
    con = sqlite3.connect(":memory:")
    try:
        con.execute(_chunk_table_sql())
        for batch in rows.to_batches(max_chunksize=batch_rows):
            names, tuples = _rows(batch, sqlite=True)
            if tuples:
                con.executemany(_sqlite_insert(names), tuples)
        con.commit()
        return con.serialize()
    finally:
        con.close()


def _insert_requests(conn: Connection, batch: pa.RecordBatch) -> None:
    sqlite = conn.dialect.name == "sqlite"
    names, rows = _rows(batch, sqlite)
    if not rows:
        return
    raw = conn.connection.driver_connection
    if sqlite:
        raw.executemany(_sqlite_insert(names), rows)
    elif conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY service_requests ({','.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        conn.execute(insert(service_requests), [dict(zip(names, r)) for r in rows])


def _clear(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE service_requests, neighborhoods, service_types"))
    else:
        for table in (service_requests, neighborhoods, service_types):
            conn.execute(delete(table))


def write_release_to_db(
    db_url: str, release_dir: Path, batch_rows: int | None = None, before_commit=None, stored_dir: Path | None = None
) -> str:
    """Replace the database's release with the one in ``release_dir``; returns its version.

    ``before_commit`` runs inside the transaction after everything is loaded: if it raises, the
    database is rolled back (the pipeline passes the switch of the release symlink here).
    ``stored_dir`` is where the files will be once switched (default: ``release_dir``).
    (An incremental release changes only its delta's rows: ``DeltaLoad``.)
    """
    batch_rows = batch_rows or runtime.from_environment().load_batch_rows
    release_dir, db_url = Path(release_dir).resolve(), resolve_url(db_url)
    if sqlite_file(db_url) is not None:
        return _load_sqlite_file(sqlite_file(db_url), release_dir, batch_rows, before_commit, stored_dir or release_dir)
    engine = make_engine(db_url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        _replace_all(conn, release_dir, batch_rows)
        version, _ = _finish(conn, release_dir, stored_dir or release_dir)
        if before_commit is not None:
            before_commit()
        faults.checkpoint("load.switched_before_commit")
    faults.checkpoint("load.committed")
    if engine.dialect.name == "postgresql":
        _vacuum(engine)
    engine.dispose()
    return version


def _vacuum(engine: Engine) -> None:
    """PostgreSQL, after the commit: VACUUM sets the visibility map of the freshly copied table, so
    the dashboard's covering indexes give index-only scans at once rather than after autovacuum
    gets to it (the map's counts took 257 ms right after a 1M-row load, 110 ms once vacuumed).
    VACUUM cannot run in a transaction; the release is already committed and served."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM service_requests"))


class SqliteBuild:
    """A new SQLite database file, built beside the old one and renamed over it when complete.

    Writing a fresh file needs no rollback journal (half the disk writes of an in-place reload)
    and the rename is atomic: readers see the old database or the new one. Earlier releases' rows
    of the ``releases`` table are carried over. The pipeline adds rows while it stages the release
    (``add_chunk``, or ``add``), so the database load overlaps the transform. Readers must not pool
    connections across loads (portal/db.py uses NullPool for SQLite).
    """

    def __init__(self, path: Path, batch_rows: int | None = None):
        self.path, self.batch_rows = path, batch_rows or runtime.from_environment().load_batch_rows
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(f".{path.name}.*.building"):  # from a run that was killed
            leftover.unlink(missing_ok=True)
        self.tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.building")
        self.engine = make_engine(f"sqlite:///{self.tmp}")
        event.listen(
            self.engine,
            "connect",
            lambda dbapi, _rec: (
                dbapi.execute("PRAGMA journal_mode=OFF"),
                dbapi.execute("PRAGMA synchronous=OFF"),
                dbapi.execute(f"PRAGMA cache_size=-{runtime.SQLITE_CACHE_KIB}"),
            ),
        )
        self.conn = self.engine.connect()
        self.trans = self.conn.begin()
        metadata.create_all(self.conn)
        if CHUNK_DATABASES:  # where add_chunk puts each chunk database (ATTACH must come before any insert)
            self.conn.exec_driver_sql("ATTACH DATABASE ':memory:' AS chunk")
        if path.exists():
            self.conn.exec_driver_sql("ATTACH DATABASE ? AS previous", (str(path),))
            if self.conn.exec_driver_sql(
                "SELECT count(*) FROM previous.sqlite_master WHERE name = 'releases'"
            ).scalar():
                self.conn.exec_driver_sql("INSERT INTO releases SELECT * FROM previous.releases")
        for index in service_requests.indexes:  # one index build after the load beats a million index updates
            index.drop(self.conn)
        faults.checkpoint("load.cleared")

    def add(self, rows: pa.Table) -> None:
        for batch in rows.to_batches(max_chunksize=self.batch_rows):
            _insert_requests(self.conn, batch)
            faults.checkpoint("load.batch")

    def add_chunk(self, data: bytes) -> None:
        """Rows from a ``sqlite_chunk`` database, copied by SQLite itself (in batches of ``batch_rows``)."""
        raw = self.conn.connection.driver_connection
        raw.deserialize(data, name="chunk")
        last = raw.execute("SELECT max(rowid) FROM chunk.service_requests").fetchone()[0] or 0
        for start in range(0, last, self.batch_rows):
            raw.execute(
                "INSERT INTO main.service_requests SELECT * FROM chunk.service_requests WHERE rowid > ? AND rowid <= ?",
                (start, start + self.batch_rows),
            )
            faults.checkpoint("load.batch")

    def finish(self, release_dir: Path, stored_dir: Path, before_commit=None) -> str:
        try:
            # the indexes are built after the transform's workers have ended: SQLite's sorter may use every core
            self.conn.exec_driver_sql(f"PRAGMA threads={runtime.sort_threads()}")
            # The sorter sorts runs as large as the page cache, then merges them. Runs of 4 MiB
            # instead of 200 MB build the indexes in half the time at 1M rows (BENCHMARKS.md,
            # target 1): small runs sort within the CPU's caches, and helper threads sort them while
            # the table is scanned.
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SORT_RUN_KIB}")
            for index in service_requests.indexes:
                index.create(self.conn)
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SUMMARY_CACHE_KIB}")
            _load_lookups(self.conn, release_dir / "data")
            version, through = _finish(self.conn, release_dir, stored_dir, prepared=True)
            # The file is nobody's until it is renamed, so it may be committed before its summaries:
            # two threads then compute them on their own connections (1.4 s on one core at 1M
            # rows otherwise, with the other core idle), and a second transaction stores them.
            self.trans.commit()
            with self.conn.begin():
                store_figures(self.conn, version, through, connect=self._reader)
            self.conn.close()
            self.engine.dispose()
            with open(self.tmp, "rb+") as f:
                os.fsync(f.fileno())
            if before_commit is not None:
                before_commit()
            faults.checkpoint("load.switched_before_commit")
            os.replace(self.tmp, self.path)
            fd = os.open(self.path.parent, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
        finally:
            self.discard()
        faults.checkpoint("load.committed")
        return version

    @contextmanager
    def _reader(self):
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SUMMARY_CACHE_KIB}")
            yield conn

    def discard(self) -> None:
        self.conn.close()
        self.engine.dispose()
        self.tmp.unlink(missing_ok=True)


class DeltaLoad:
    """An incremental release's change to the database, in one transaction.

    Two jobs run in a thread while the release files are staged: ``replace`` swaps the delta's
    rows as soon as the run knows which rows win, and ``summarise`` loads the lookups and
    computes the summaries once the staged lookups and the release's data_through are known.
    ``finish`` waits for both, adds the releases row, runs ``before_commit`` (the switch) and
    commits. The database must hold the release the delta was built on (the pipeline checks
    ``current_version`` and does a full load otherwise).
    """

    def __init__(self, db_url: str):
        sqlite = db_url.startswith("sqlite")
        self.engine = make_engine(db_url, connect_args={"check_same_thread": False}) if sqlite else make_engine(db_url)
        if sqlite:  # the delta updates the indexes in place: keep their pages in memory; read through a map
            event.listen(
                self.engine,
                "connect",
                lambda dbapi, _rec: (
                    dbapi.execute(f"PRAGMA cache_size=-{runtime.SQLITE_CACHE_KIB}"),
                    dbapi.execute(f"PRAGMA mmap_size={runtime.SQLITE_DELTA_MMAP_BYTES}"),
                ),
            )
        metadata.create_all(self.engine)
        self.conn = self.engine.connect()
        self.trans = self.conn.begin()
        self.jobs = []  # futures of the jobs, in the order they run

    def start(self, pool, job, *args) -> None:
        """Run ``job`` (``self.replace`` or ``self.summarise``) on ``pool``: one thread, in order."""
        self.jobs.append(pool.submit(job, *args))

    def wait(self) -> None:
        """Wait for the jobs; the first that failed raises."""
        for job in self.jobs:
            job.result()

    def replace(self, rows: pa.Table, replaced: list[str]) -> None:
        _replace_delta(self.conn, rows, replaced)

    def summarise(self, data_dir: Path, version: str, through: str | None) -> None:
        if self.engine.dialect.name == "sqlite":
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SUMMARY_CACHE_KIB}")
        _load_lookups(self.conn, data_dir)
        store_figures(self.conn, version, through)

    def finish(self, release_dir: Path, stored_dir: Path, before_commit=None) -> str:
        self.wait()
        version, _ = _finish(self.conn, release_dir, stored_dir, prepared=True)
        if before_commit is not None:
            before_commit()
        faults.checkpoint("load.switched_before_commit")
        self.trans.commit()
        self.discard()
        faults.checkpoint("load.committed")
        return version

    def discard(self) -> None:
        """Roll back whatever was not committed and let go of the database."""
        if self.trans.is_active:
            self.trans.rollback()
        self.conn.close()
        self.engine.dispose()


def _load_sqlite_file(path: Path, release_dir: Path, batch_rows: int, before_commit, stored_dir: Path) -> str:
    build = SqliteBuild(path, batch_rows)
    try:
        for batch in pq.ParquetFile(release_dir / "data" / "service_requests.parquet").iter_batches(
            batch_size=batch_rows
        ):
            build.add(pa.Table.from_batches([batch]))
    except BaseException:
        build.discard()
        raise
    return build.finish(release_dir, stored_dir, before_commit)


def _replace_all(conn: Connection, release_dir: Path, batch_rows: int) -> None:
    _clear(conn)
    for index in service_requests.indexes:  # one index build after the load beats a million index updates
        index.drop(conn, checkfirst=True)
    for name in RETIRED_INDEXES:  # left by an earlier version: they would only slow the load down
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    faults.checkpoint("load.cleared")
    parquet = pq.ParquetFile(release_dir / "data" / "service_requests.parquet")
    for batch in parquet.iter_batches(batch_size=batch_rows):
        _insert_requests(conn, batch)
        faults.checkpoint("load.batch")
    for index in service_requests.indexes:
        index.create(conn)
    if conn.dialect.name == "postgresql":
        # planner statistics now, not when autovacuum gets to it: without them the dashboard's
        # map counts ran 2.5 times slower on a freshly loaded million rows (BENCHMARKS.md, target 5)
        conn.execute(text("ANALYZE service_requests"))


def _replace_delta(conn: Connection, rows: pa.Table, replaced: list[str]) -> None:
    for start in range(0, len(replaced), 500):
        ids = replaced[start : start + 500]
        conn.execute(delete(service_requests).where(service_requests.c.service_request_id.in_(ids)))
    for batch in rows.to_batches(max_chunksize=100_000):
        _insert_requests(conn, batch)
        faults.checkpoint("load.batch")
    conn.execute(delete(neighborhoods))
    conn.execute(delete(service_types))


def _load_lookups(conn: Connection, data_dir: Path) -> None:
    _load_neighborhoods(conn, data_dir / "neighborhoods.geojson")
    _load_service_types(conn, data_dir / "service_types.csv")
    faults.checkpoint("load.lookups")


def _finish(conn: Connection, release_dir: Path, stored_dir: Path, prepared: bool = False) -> tuple[str, str | None]:
    """Lookups, the releases row and the summaries: the database names the release it holds.
    ``prepared``: the lookups and summaries are already in the transaction (``DeltaLoad``).
    Returns the release's version and data_through."""
    descriptor = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    report = json.loads((release_dir / "report.json").read_text(encoding="utf-8"))
    changelog = json.loads((release_dir / "changelog.json").read_text(encoding="utf-8"))
    if not prepared:
        _load_lookups(conn, release_dir / "data")
    conn.execute(update(releases).values(is_current=False))
    conn.execute(delete(releases).where(releases.c.version == descriptor["version"]))
    conn.execute(
        insert(releases).values(
            version=descriptor["version"],
            package_name=descriptor["name"],
            title=descriptor["title"],
            created=descriptor["created"],
            data_through=report.get("data_through"),
            timezone=descriptor["x_portal"]["timezone"],
            license_name=descriptor["licenses"][0].get("name"),
            license_path=descriptor["licenses"][0].get("path"),
            source_title=descriptor["sources"][0].get("title"),
            source_path=descriptor["sources"][0].get("path"),
            is_demo=bool(descriptor["x_portal"].get("demo")),
            rows_read=report["rows_read"],
            rows_published=report.get("rows_in_release", report["rows_published"]),
            rows_quarantined=report["rows_quarantined"],
            is_current=True,
            release_dir=str(stored_dir),
            datapackage_json=json.dumps(descriptor),
            report_json=json.dumps(report),
            changelog_json=json.dumps(changelog),
        )
    )
    if not prepared:
        store_figures(conn, descriptor["version"], report.get("data_through"))
    faults.checkpoint("load.before_commit")
    return descriptor["version"], report.get("data_through")


def _load_neighborhoods(conn: Connection, path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        {
            "neighborhood_code": f["properties"]["neighborhood_code"],
            "name": f["properties"]["name"],
            "centroid_lat": f["properties"]["centroid_lat"],
            "centroid_long": f["properties"]["centroid_long"],
            "geometry_geojson": json.dumps(f["geometry"]),
        }
        for f in data["features"]
    ]
    if rows:
        conn.execute(insert(neighborhoods), rows)


def _load_service_types(conn: Connection, path: Path) -> None:
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        rows = [
            {
                "service_code": r["service_code"],
                "service_name": r["service_name"],
                "agency_responsible": r["agency_responsible"] or None,
                "target_days": float(r["target_days"]) if r["target_days"] else None,
                "is_sensitive": r["is_sensitive"] == "true",
            }
            for r in csv.DictReader(f)
        ]
    if rows:
        conn.execute(insert(service_types), rows)
