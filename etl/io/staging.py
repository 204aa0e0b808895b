"""A release being built in ``out/.staging/<id>``: nothing there is visible until it is moved into
``releases/`` (etl/publish.py).

``Staging`` writes the release's two row files: the CSV (text cells, the header first) and the
Parquet file (typed rows, in the CSV's order; etl/io/parquet.py). Once they are closed, a
background thread hashes them (``sha256_file`` remembers the digests ``datapackage.json`` needs)
and writes them to disk, while the run goes on with the changelog, the package and the database;
``wait_for_hashes`` and ``wait_for_disk`` wait for it. The CSV's line lengths are kept while they
are known (records copied by ``copy_csv_records``, rows formatted after them), else found in the
same read as its hash (``csv_line_lengths``).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .. import faults
from ..errors import PublishError
from . import csv_lines
from .hashing import fsync_path, sha256_and_line_lengths, sha256_file
from .parquet import RowGroupWriter

CSV_OPTIONS = pacsv.WriteOptions(quoting_style="needed", include_header=True)
CSV_BODY_OPTIONS = pacsv.WriteOptions(quoting_style="needed", include_header=False)


class Staging:
    """The release folder being built: ``data/`` with its files, then the JSON documents."""

    def __init__(self, out: Path, tz: str, arrow_schema: pa.Schema, dictionary_columns: tuple[str, ...] = ()):
        """``dictionary_columns``: string columns the Parquet file takes dictionary-encoded
        (``write_row_group``); the file reads back exactly as if they had been strings."""
        self.out = out
        root = out / ".staging"
        try:
            if root.exists():  # leftovers of runs that were killed: the lock says nobody else is using them
                shutil.rmtree(root)
            self.dir = root / uuid.uuid4().hex
            (self.dir / "data").mkdir(parents=True)
        except OSError as exc:
            raise PublishError(out, f"cannot create the staging folder: {exc.strerror}") from None
        self.arrow_schema = arrow_schema
        self.dictionary_columns = tuple(dictionary_columns)
        self.csv_path = self.dir / "data" / "service_requests.csv"
        self.parquet_path = self.dir / "data" / "service_requests.parquet"
        self._csv = None  # pyarrow CSVWriter of the text rows, on self._csv_file
        self._csv_file = None
        self._csv_header = False  # the header is in the file (written by the writer or copied)
        # byte length of each line written to the CSV, header first, while they are known (after
        # copy_csv_records); else found when the closed file is hashed (csv_line_lengths)
        self._csv_lines: list[np.ndarray] | None = None
        self._scanned_lines: np.ndarray | None = None
        self._syncing: list[tuple[threading.Thread, threading.Event]] = []  # threads that hash closed
        # data files and write them to disk, each with the event it sets once its files are hashed
        self._parquet = RowGroupWriter(self.parquet_path, arrow_schema, self.dictionary_columns)
        self.text_schema = pa.schema([pa.field(n, pa.string()) for n in arrow_schema.names])

    def write_requests(self, typed: pa.Table, text: pa.Table) -> None:
        self.write_text(text)
        self.write_typed(typed)
        faults.checkpoint("publish.chunk_written")

    def write_text(self, text: pa.Table) -> None:
        """Rows of the CSV, as the text cells ``cells.to_text`` makes."""
        guard_disk(self.out)
        if self._csv_lines is None:
            self._csv_writer().write_table(text.cast(self.text_schema))
            return
        # after copied records: formatted in memory first, to keep their line lengths
        sink = pa.BufferOutputStream()
        pacsv.write_csv(text.cast(self.text_schema), sink, write_options=CSV_BODY_OPTIONS)
        data = sink.getvalue()
        ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
        if len(ends) != text.num_rows:  # a cell with a line break: the lengths are no longer known
            self._csv_lines = None
        else:
            self._csv_lines.append(np.diff(ends, prepend=-1))
        self._csv_file.write(data)

    def write_typed(self, typed: pa.Table) -> None:
        """Rows of the Parquet file (typed), in the same order as the CSV's."""
        self._parquet.write(typed)

    def write_row_group(self, typed: pa.Table) -> None:
        """``typed`` as one row group of the Parquet file, after the rows written so far: rows
        carried over from a release's file a row group at a time, its ``dictionary_columns`` read
        as dictionaries. Comes before any ``write_typed`` rows still pending."""
        self._parquet.write_group(typed)

    def copy_csv_records(
        self, source: Path, records: int, drop: np.ndarray, line_lengths: np.ndarray | None = None
    ) -> bool:
        """Copy a published CSV's header and records, except the 0-based record numbers ``drop``,
        as bytes (``csv_lines.copy_records``); returns False, having written nothing, when
        ``source`` does not have exactly ``records`` + 1 lines. Must come before any other CSV row.
        The lines copied keep their lengths (``csv_line_lengths``)."""
        if self._csv is not None or self._csv_header:
            raise RuntimeError("copy_csv_records must come first")
        guard_disk(self.out)
        lengths = csv_lines.copy_records(source, self._open_csv_file(), records, drop, line_lengths)
        if lengths is None:
            return False
        self._csv_header = True
        self._csv_lines = [lengths]
        return True

    def csv_line_lengths(self) -> np.ndarray | None:
        """The byte length of each line of the closed CSV, header first: kept while rows were
        copied and added, else found while the file was hashed; None if neither."""
        self.wait_for_hashes()
        if self._csv_lines is not None:
            return np.concatenate(self._csv_lines)
        return self._scanned_lines

    def close_requests(self) -> None:
        """Finish the CSV and Parquet files, then hash them and write them to disk in a background
        thread (``wait_for_hashes``, ``wait_for_disk``)."""
        files = [] if self._csv_closed() else [self._close_csv()]
        self._parquet.close()
        self._hash_and_sync_later(files + [self.parquet_path])

    def close_csv(self) -> None:
        """Finish the CSV file before the Parquet file, and start hashing it and writing it to disk."""
        self._hash_and_sync_later([self._close_csv()])

    def wait_for_hashes(self) -> None:
        """Wait until the background threads have hashed the data files (or given up on them)."""
        for _, hashed in self._syncing:
            hashed.wait()

    def wait_for_disk(self) -> None:
        """Wait for the background threads ``close_requests`` (and ``close_csv``) started."""
        for thread, _ in self._syncing:
            thread.join()

    def write_json(self, relative: str, data) -> Path:
        path = self.dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        # metadata is indented for people; GeoJSON (megabytes of coordinates) is written compactly
        layout = {"separators": (",", ":")} if relative.endswith(".geojson") else {"indent": 2}
        path.write_text(json.dumps(data, ensure_ascii=False, **layout) + "\n", encoding="utf-8")
        return path

    def discard(self) -> None:
        """Remove the staging folder and whatever the run kept beside it (``<id>.*``), and
        ``.staging`` itself when nothing else is in it. Nothing happens to a folder already moved
        into ``releases/``."""
        if self._csv_file is not None and not self._csv_file.closed:
            self._csv_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        for beside in self.dir.parent.glob(f"{self.dir.name}.*"):
            beside.unlink(missing_ok=True)
        try:
            self.dir.parent.rmdir()
        except OSError:  # not empty, or gone already
            pass

    def _open_csv_file(self):
        if self._csv_file is None:
            self._csv_file = open(self.csv_path, "wb")
        return self._csv_file

    def _csv_writer(self) -> pacsv.CSVWriter:
        if self._csv is None:
            self._csv = pacsv.CSVWriter(
                self._open_csv_file(),
                self.text_schema,
                write_options=CSV_BODY_OPTIONS if self._csv_header else CSV_OPTIONS,
            )
            self._csv_header = True
        return self._csv

    def _close_csv(self) -> Path:
        if not self._csv_header:
            self._csv_writer()
        if self._csv is not None:
            self._csv.close()
        if self._csv_file is not None and not self._csv_file.closed:
            self._csv_file.close()
        return self.csv_path

    def _csv_closed(self) -> bool:
        return self._csv_file is not None and self._csv_file.closed

    def _keep_scanned_lines(self, lengths: np.ndarray | None) -> None:
        if self._csv_lines is None:
            self._scanned_lines = lengths

    def _hash_and_sync_later(self, paths: list[Path]) -> None:
        hashed = threading.Event()
        # the CSV's line lengths, if not known, are found in the same read as its hash
        lines = (
            (self.csv_path, self._keep_scanned_lines) if self.csv_path in paths and self._csv_lines is None else None
        )
        thread = threading.Thread(
            target=_hash_and_sync, args=(paths, hashed, lines), name="staging-hash-fsync", daemon=True
        )
        self._syncing.append((thread, hashed))
        thread.start()


def _hash_and_sync(paths: list[Path], hashed: threading.Event, lines=None) -> None:
    """Hash each file into ``sha256_file``'s cache, set ``hashed``, then fsync each file. Errors are
    left to the main thread, which hashes (``describe_file``) and syncs (``move_into_releases``)
    every file again where this did not. ``lines``: ``(path, callback)`` to find that file's line
    ends while it is hashed, and give them to the callback."""
    try:
        for path in paths:
            try:
                if lines is not None and path == lines[0]:
                    lines[1](sha256_and_line_lengths(path)[1])
                else:
                    sha256_file(path)
            except OSError:
                pass
    finally:
        hashed.set()
    for path in paths:
        try:
            fsync_path(path)
        except OSError:
            pass


def guard_disk(path: Path, min_free: int = 1 << 20) -> None:
    """Fail early, with a clear message, when the disk is (nearly) full."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    if free < min_free:
        raise PublishError(
            path, f"no space left on the device ({free:,} bytes free); the previous release is unchanged"
        )
