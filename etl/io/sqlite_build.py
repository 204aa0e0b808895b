"""A new SQLite database file, built beside the old one while the release is staged.

Guarantees: the database file at the URL's path is replaced in one ``rename`` by a complete,
synced file (readers see the old release or the new one, never a mix; readers must not pool
SQLite connections, core/db.py), and only after ``before_commit`` (the release switch) has
succeeded; the ``releases`` history of the old file is carried over; a build that is not finished
leaves no file behind (``discard``; one left by a killed run is removed by the next build).

The rows arrive while the release is staged, so the load overlaps the transform: from each
worker, the chunk's typed rows already made into an in-memory SQLite database (``sqlite_chunk``;
the per-row Python work then runs in the workers), which SQLite copies in (``add_chunk``); or as
Arrow rows (``add``). The indexes are built once, after the last row.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Column, MetaData, Table, event
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateTable

from core.db import make_engine
from core.figures import store_figures
from core.tables import metadata, service_requests

from .. import faults, runtime
from .db_rows import insert_requests, record_release, request_rows, sqlite_insert, write_lookups
from .hashing import fsync_path

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
    """The rows as a serialized in-memory SQLite database with one table, service_requests
    (made in a worker process; ``SqliteBuild.add_chunk`` copies them in)."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute(_chunk_table_sql())
        for batch in rows.to_batches(max_chunksize=batch_rows):
            names, tuples = request_rows(batch, sqlite=True)
            if tuples:
                con.executemany(sqlite_insert(names), tuples)
        con.commit()
        return con.serialize()
    finally:
        con.close()


class SqliteBuild:
    """The database file at ``path``, built anew (see the module's docstring)."""

    def __init__(self, path: Path, batch_rows: int | None = None):
        self.path, self.batch_rows = path, batch_rows or runtime.from_environment().load_batch_rows
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(f".{path.name}.*.building"):  # from a run that was killed
            leftover.unlink(missing_ok=True)
        self.tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.building")
        self.engine = make_engine(f"sqlite:///{self.tmp}")
        # nobody reads the file before it is complete and synced: no journal, no syncs while it is built
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
        for index in service_requests.indexes:  # built once, after the last row (finish)
            index.drop(self.conn)
        faults.checkpoint("load.cleared")

    def add_rows(self, typed: pa.Table, database: bytes | None) -> None:
        """A chunk's rows: its chunk database when the worker made one, else its typed rows."""
        if database is not None:
            self.add_chunk(database)
        else:
            self.add(typed)

    def add(self, rows: pa.Table) -> None:
        for batch in rows.to_batches(max_chunksize=self.batch_rows):
            insert_requests(self.conn, batch)
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
        """Indexes, lookups, the releases row and the figures; then the file is synced, and renamed
        over the old one once ``before_commit`` has run. Returns the release's version."""
        try:
            self.conn.exec_driver_sql(f"PRAGMA threads={runtime.sort_threads()}")
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SORT_RUN_KIB}")
            for index in service_requests.indexes:
                index.create(self.conn)
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SUMMARY_CACHE_KIB}")
            write_lookups(self.conn, release_dir / "data")
            version, through = record_release(self.conn, release_dir, stored_dir, prepared=True)
            # The file is nobody's until it is renamed, so it may be committed before its figures,
            # which are then computed on two connections at once and stored in a second transaction.
            self.trans.commit()
            with self.conn.begin():
                store_figures(self.conn, version, through, connect=self._reader)
            self.conn.close()
            self.engine.dispose()
            fsync_path(self.tmp)
            if before_commit is not None:
                before_commit()
            faults.checkpoint("load.switched_before_commit")
            os.replace(self.tmp, self.path)
            fsync_path(self.path.parent)
        finally:
            self.discard()
        faults.checkpoint("load.committed")
        return version

    @contextmanager
    def _reader(self):
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SUMMARY_CACHE_KIB}")
            yield conn

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def discard(self) -> None:
        self.conn.close()
        self.engine.dispose()
        self.tmp.unlink(missing_ok=True)


def build_from_release(path: Path, release_dir: Path, batch_rows: int, before_commit, stored_dir: Path) -> str:
    """A new database at ``path`` holding the published release in ``release_dir`` (its Parquet rows)."""
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
