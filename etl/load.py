"""Load a published release into the SQL database (SQLite by default, PostgreSQL in production).

``write_release_to_db`` replaces the release the database holds with the one in a release folder,
from its files, so the database holds exactly what the package publishes. The change is atomic:
into a SQLite file, a new database is built beside the old one and renamed over it
(etl/io/sqlite_build.py); into any other database, one transaction removes the old release's rows,
inserts the new ones and moves ``releases.is_current``. A failed or killed load leaves the
database as it was. The read side reads what this writes (core/tables.py, portal/db.py).

A run of the pipeline may load while it stages the release instead (``SqliteBuild``, or
``DeltaLoad`` for an incremental run); ``InPlaceLoad`` is this module's load, in the same shape.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from core.db import make_engine, resolve_url, sqlite_file
from core.tables import RETIRED_INDEXES, metadata, service_requests

from . import faults, runtime
from .io.db_rows import clear_release_tables, insert_requests, record_release
from .io.sqlite_build import build_from_release


def write_release_to_db(
    db_url: str, release_dir: Path, batch_rows: int | None = None, before_commit=None, stored_dir: Path | None = None
) -> str:
    """Replace the database's release with the one in ``release_dir``; returns its version.

    ``before_commit`` runs after everything is loaded, before the change is committed: if it
    raises, the database is left as it was (the pipeline passes the switch of the release
    symlink here). ``stored_dir`` is where the files will be once switched (default: ``release_dir``).
    """
    batch_rows = batch_rows or runtime.from_environment().load_batch_rows
    release_dir, db_url = Path(release_dir).resolve(), resolve_url(db_url)
    if sqlite_file(db_url) is not None:
        return build_from_release(
            sqlite_file(db_url), release_dir, batch_rows, before_commit, stored_dir or release_dir
        )
    engine = make_engine(db_url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        _replace_all(conn, release_dir, batch_rows)
        version, _ = record_release(conn, release_dir, stored_dir)
        if before_commit is not None:
            before_commit()
        faults.checkpoint("load.switched_before_commit")
    faults.checkpoint("load.committed")
    if engine.dialect.name == "postgresql":
        _vacuum(engine)
    engine.dispose()
    return version


class InPlaceLoad:
    """``write_release_to_db`` of a staged release, with the ``finish``/``discard`` of the loads
    that run alongside the staging (``SqliteBuild``, ``DeltaLoad``)."""

    def __init__(self, db_url: str, batch_rows: int):
        self.db_url, self.batch_rows = db_url, batch_rows

    def finish(self, release_dir: Path, stored_dir: Path, before_commit=None) -> str:
        return write_release_to_db(self.db_url, release_dir, self.batch_rows, before_commit, stored_dir)

    def discard(self) -> None:
        return None


def _replace_all(conn: Connection, release_dir: Path, batch_rows: int) -> None:
    clear_release_tables(conn)
    for index in service_requests.indexes:  # built once, after the last row
        index.drop(conn, checkfirst=True)
    for name in RETIRED_INDEXES:  # left by an earlier version: they would only slow the load down
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    faults.checkpoint("load.cleared")
    parquet = pq.ParquetFile(release_dir / "data" / "service_requests.parquet")
    for batch in parquet.iter_batches(batch_size=batch_rows):
        insert_requests(conn, batch)
        faults.checkpoint("load.batch")
    for index in service_requests.indexes:
        index.create(conn)
    if conn.dialect.name == "postgresql":
        # planner statistics now, not when autovacuum gets to them: the dashboard's queries are
        # planned for the new rows from the first page view
        conn.execute(text("ANALYZE service_requests"))


def _vacuum(engine: Engine) -> None:
    """PostgreSQL, after the commit: VACUUM sets the visibility map of the freshly copied table, so
    the dashboard's covering indexes give index-only scans at once rather than after autovacuum
    gets to it. VACUUM cannot run in a transaction; the release is already committed and served."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM service_requests"))
