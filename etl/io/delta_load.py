"""An incremental release's change to the database, made in place in one transaction.

Guarantees: the database changes only by the delta's rows (the replaced ids deleted, the winning
rows inserted), the lookups, the figures and the ``releases`` row, all in one transaction that
commits after ``before_commit`` (the release switch) has succeeded, and is rolled back otherwise
(``discard``). It must start from the release the delta was built on: the pipeline checks
``current_version`` and loads the whole release otherwise.

The work runs in a background thread of its own while the release files are staged:
``start_replace`` as soon as the run knows which rows win, then ``start_summarise`` (lookups and
figures) once the staged lookups and the release's data_through are known. ``finish`` waits for
both; ``discard`` waits for them too, then rolls back.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
from sqlalchemy import delete, event
from sqlalchemy.engine import Connection

from core.db import make_engine
from core.figures import store_figures
from core.tables import metadata, neighborhoods, service_requests, service_types

from .. import faults, runtime
from .db_rows import insert_requests, record_release, write_lookups

DELETE_IDS = 500  # ids per DELETE ... IN (...)
INSERT_ROWS = 100_000  # rows per insert batch


class DeltaLoad:
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
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="delta-load")  # its jobs run in order
        self.jobs = []  # their futures

    def start_replace(self, rows: pa.Table, replaced: list[str]) -> None:
        """Delete the ``replaced`` ids and insert ``rows`` (the delta's winners), in the background."""
        self.jobs.append(self._thread.submit(_replace_delta, self.conn, rows, replaced))

    def start_summarise(self, data_dir: Path, version: str, through: str | None) -> None:
        """Load the staged lookups of ``data_dir`` and store the release's figures, in the background."""
        self.jobs.append(self._thread.submit(self._summarise, data_dir, version, through))

    def wait(self) -> None:
        """Wait for the jobs; the first that failed raises."""
        for job in self.jobs:
            job.result()

    def _summarise(self, data_dir: Path, version: str, through: str | None) -> None:
        if self.engine.dialect.name == "sqlite":
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{runtime.SQLITE_SUMMARY_CACHE_KIB}")
        write_lookups(self.conn, data_dir)
        store_figures(self.conn, version, through)

    def finish(self, release_dir: Path, stored_dir: Path, before_commit=None) -> str:
        self.wait()
        version, _ = record_release(self.conn, release_dir, stored_dir, prepared=True)
        if before_commit is not None:
            before_commit()
        faults.checkpoint("load.switched_before_commit")
        self.trans.commit()
        self.discard()
        faults.checkpoint("load.committed")
        return version

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def discard(self) -> None:
        """Wait for the jobs, roll back whatever was not committed and let go of the database."""
        self._thread.shutdown(wait=True)
        if self.trans.is_active:
            self.trans.rollback()
        self.conn.close()
        self.engine.dispose()


def _replace_delta(conn: Connection, rows: pa.Table, replaced: list[str]) -> None:
    for start in range(0, len(replaced), DELETE_IDS):
        ids = replaced[start : start + DELETE_IDS]
        conn.execute(delete(service_requests).where(service_requests.c.service_request_id.in_(ids)))
    for batch in rows.to_batches(max_chunksize=INSERT_ROWS):
        insert_requests(conn, batch)
        faults.checkpoint("load.batch")
    conn.execute(delete(neighborhoods))
    conn.execute(delete(service_types))
