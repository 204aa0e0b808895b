"""Stage -> hash -> datapackage.json -> atomic switch. Releases are immutable and kept.

Layout of the output folder (``--out``, default ``datasets``)::

    <name>                         symlink to releases/<name>/<version>: the latest release
    releases/<name>/<version>/     one release: datapackage.json, report.json, changelog.json, data/
    releases/<name>/.index/        per release: id, status and row hash of every request (for changelogs),
                                   and the byte length of each line of its CSV (for incremental runs)
    .staging/                      releases being built; never read by anyone else
    .lock                          held by the run that is publishing

A release directory is complete before it is renamed into ``releases/``, and the symlink is
replaced with one ``rename``: a reader sees the old release or the new one, never a mix. A run
that fails or is killed leaves only a staging folder behind, which the next run removes.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import json
import os
import shutil
import threading
import uuid
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import faults
from .errors import PublishError

CSV_OPTIONS = pacsv.WriteOptions(quoting_style="needed", include_header=True)
CSV_BODY_OPTIONS = pacsv.WriteOptions(quoting_style="needed", include_header=False)
ROW_GROUP = 131_072
# next to a release's index (releases/<name>/.index/<version>.parquet): its CSV's line lengths
LINES_SUFFIX = ".csv-lines.npy"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file; a file unchanged since it was last hashed is not read again."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    return _HASHED.get(key) or _sha256(*key)


_HASHED: dict[tuple, str] = {}  # (path, size, mtime) -> sha256 of the files sha256_and_line_lengths read


def sha256_and_line_lengths(path: Path) -> tuple[str, np.ndarray | None]:
    """``sha256_file(path)`` and the byte length of each line of the file (up to its last b"\\n";
    None if one is 4 GB or longer), from one read of it."""
    st = os.stat(path)
    h, buf, newline, lengths, at, last = hashlib.sha256(), bytearray(1 << 20), np.empty(1 << 20, bool), [], 0, -1
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
            np.equal(np.frombuffer(buf, np.uint8, n), 10, out=newline[:n])
            ends = np.flatnonzero(newline[:n]) + at
            if lengths is not None and len(ends):
                block = np.diff(ends, prepend=last)
                if block.max() >= 2**32:
                    lengths = None
                else:
                    lengths.append(block.astype(np.uint32))
                    last = ends[-1]
            at += n
    digest = h.hexdigest()
    if at == st.st_size:
        _HASHED[(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)] = digest
    if lengths is None:
        return digest, None
    return digest, np.concatenate(lengths) if lengths else np.empty(0, np.uint32)


@lru_cache(maxsize=64)
def _sha256(path: str, _size: int, _mtime_ns: int) -> str:
    # one buffer, read into again and again: a new block for every read would be fresh memory
    # (mapped, zeroed and unmapped by the kernel) each time
    h, buf = hashlib.sha256(), bytearray(1 << 20)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def stored_arrow_schema(schema: pa.Schema) -> str:
    """The ``ARROW:schema`` value a Parquet writer with ``store_schema=True`` stores for ``schema``
    (a base64 IPC message), for a schema without metadata of its own."""
    if schema.metadata:
        raise ValueError("only for a schema without metadata")
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def publish_lock(out: Path):
    """Only one publish at a time per output folder: a second run refuses at once with a clear message."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise PublishError(out, f"cannot use the output folder: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise PublishError(
            out, f"another publish is running on this folder (pid {holder}); try again when it ends"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class Staging:
    """A release being built in ``out/.staging/<uuid>``: nothing here is visible until ``commit``."""

    def __init__(self, out: Path, tz: str, arrow_schema: pa.Schema, dictionary_columns: tuple[str, ...] = ()):
        """``dictionary_columns``: string columns the Parquet writer takes dictionary-encoded
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
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._syncing: list[tuple[threading.Thread, threading.Event]] = []  # threads that hash closed
        # data files and write them to disk, each with the event it sets once its files are hashed
        self._parquet_schema = pa.schema(
            [
                pa.field(f.name, pa.dictionary(pa.int32(), f.type), f.nullable) if f.name in dictionary_columns else f
                for f in arrow_schema
            ]
        )
        # The Arrow schema stored in the file is always arrow_schema's, so that readers get strings
        # back, never dictionaries: written by hand (as the writer would) when the columns differ.
        same = self._parquet_schema == arrow_schema
        self._parquet = pq.ParquetWriter(
            self.parquet_path, self._parquet_schema, compression="zstd", write_statistics=True, store_schema=same
        )
        if not same:
            self._parquet.add_key_value_metadata({"ARROW:schema": stored_arrow_schema(arrow_schema)})
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
        # after copied records (a few rows): formatted in memory first, to keep their line lengths
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
        if typed.schema != self.arrow_schema:  # rows carried over from a release read back as ms timestamps
            typed = typed.cast(self.arrow_schema)
        self._pending.append(typed)
        self._pending_rows += typed.num_rows
        self._flush_row_groups(final=False)

    def write_row_group(self, typed: pa.Table) -> None:
        """``typed`` as one row group of the Parquet file, after the rows written so far. For rows
        carried over from a release's file a row group at a time: its ``dictionary_columns`` read
        as dictionaries (``read_dictionary``) are written without decoding and encoding them
        again. Comes before any ``write_typed`` rows still pending."""
        if self._pending_rows:
            raise RuntimeError("write_row_group must come before the rows write_typed holds")
        if typed.num_rows:
            self._parquet.write_table(typed.cast(self._parquet_schema), row_group_size=typed.num_rows)

    def copy_csv_records(
        self, source: Path, records: int, drop: np.ndarray, line_lengths: np.ndarray | None = None
    ) -> bool:
        """Copy a published CSV's header and records, except the 0-based record numbers ``drop``, as bytes.

        Only for a file this module wrote, with one record per line (published cells hold no line
        breaks); returns False, having written nothing, when ``source`` does not have exactly
        ``records`` + 1 lines. Must come before any other CSV row. The kept byte ranges are copied
        by the kernel (``copy_file_range``). ``line_lengths``: the byte length of each of its
        lines, header first (``csv_line_lengths`` of the run that wrote it), so that it need not be
        read to find them; they are used only if they add up to the file and every line that they
        say ends next to a dropped record ends there with a line break. The lines copied keep
        their lengths (``csv_line_lengths``).
        """
        if self._csv is not None or self._csv_header:
            raise RuntimeError("copy_csv_records must come first")
        guard_disk(self.out)
        drop_lines = np.sort(np.asarray(drop, dtype=np.int64)) + 1  # line 0 is the header
        with open(source, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            ends = _known_line_ends(f.fileno(), size, records + 1, line_lengths, drop_lines)
            if ends is None:
                ends = _line_ends(f)
            if size == 0 or len(ends) != records + 1 or ends[-1] != size - 1:
                return False
            out = self._open_csv_file()
            out.flush()
            starts = np.concatenate([[0], ends[:-1] + 1])
            at = 0
            for line in drop_lines.tolist():
                _copy_range(f.fileno(), out.fileno(), at, int(starts[line]) - at)
                at = int(ends[line]) + 1
            _copy_range(f.fileno(), out.fileno(), at, size - at)
            out.seek(0, os.SEEK_END)
        self._csv_header = True
        self._csv_lines = [np.delete(np.diff(ends, prepend=-1), drop_lines)]
        return True

    def csv_line_lengths(self) -> np.ndarray | None:
        """The byte length of each line of the closed CSV, header first (``copy_csv_records`` of
        the next incremental run reads them instead of the file): kept while rows were copied and
        added, else found while the file was hashed; None if neither."""
        self.wait_for_hashes()
        if self._csv_lines is not None:
            return np.concatenate(self._csv_lines)
        return self._scanned_lines

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

    def _flush_row_groups(self, final: bool) -> None:
        """Row groups of exactly ROW_GROUP rows (the last one shorter), whatever the chunking: the
        Parquet file is byte-identical however the input was split."""
        if self._pending_rows < ROW_GROUP and not (final and self._pending_rows):
            return
        table = pa.concat_tables(self._pending)
        full = (table.num_rows // ROW_GROUP) * ROW_GROUP if not final else table.num_rows
        for start in range(0, full, ROW_GROUP):
            group = table.slice(
                start, min(ROW_GROUP, full - start)
            ).combine_chunks()  # page layout must not follow the chunking
            if group.schema != self._parquet_schema:
                group = group.cast(self._parquet_schema)
            self._parquet.write_table(group, row_group_size=ROW_GROUP)
        rest = table.slice(full)
        self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows

    def close_requests(self) -> None:
        """Finish the CSV and Parquet files, then hash them and write them to disk in a background
        thread: the rest of the run (changelog, package, database) overlaps with the hashing that
        ``datapackage.json`` needs (``wait_for_hashes``; ``sha256_file`` keeps the results) and with
        the disk writes that ``move_into_releases`` would otherwise wait for."""
        files = [] if self._csv_closed() else [self._close_csv()]
        self._flush_row_groups(final=True)
        self._parquet.close()
        self._hash_and_sync_later(files + [self.parquet_path])

    def close_csv(self) -> None:
        """Finish the CSV file before the Parquet file, and start hashing it and writing it to disk
        (an incremental run copies the CSV records sooner than it rewrites the Parquet file)."""
        self._hash_and_sync_later([self._close_csv()])

    def _keep_scanned_lines(self, lengths: np.ndarray | None) -> None:
        if self._csv_lines is None:
            self._scanned_lines = lengths

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
        if self._csv_file is not None and not self._csv_file.closed:
            self._csv_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)


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


def _line_ends(f, block: int = 1 << 20) -> np.ndarray:
    """Offsets of every b"\\n" in the open file ``f``, read in blocks into the same buffers."""
    ends, buf, newline, at = [], bytearray(block), np.empty(block, bool), 0
    while n := f.readinto(buf):
        np.equal(np.frombuffer(buf, np.uint8, n), 10, out=newline[:n])
        ends.append(np.flatnonzero(newline[:n]) + at)
        at += n
    return np.concatenate(ends) if ends else np.empty(0, np.int64)


def _known_line_ends(
    fd: int, size: int, lines: int, lengths: np.ndarray | None, drop_lines: np.ndarray
) -> np.ndarray | None:
    """The line ends ``lengths`` give, if they fit the open file ``fd`` of ``size`` bytes and
    ``lines`` lines: as many lengths, adding up to its size, and a line break where they say the
    last line and each line around a dropped one end. Else None."""
    if lengths is None or len(lengths) != lines or lines == 0 or (lengths <= 0).any():
        return None
    ends = np.cumsum(lengths, dtype=np.int64) - 1
    if ends[-1] != size - 1 or (len(drop_lines) and drop_lines[-1] >= len(ends)):
        return None
    around = np.unique(np.concatenate([[len(ends) - 1], drop_lines, drop_lines - 1]))
    if any(os.pread(fd, 1, int(ends[line])) != b"\n" for line in around.tolist()):
        return None
    return ends


def _copy_range(src: int, dst: int, offset: int, count: int) -> None:
    """Append ``count`` bytes of ``src`` from ``offset`` to ``dst`` (at its current position)."""
    while count > 0:
        done = os.copy_file_range(src, dst, count, offset)
        if done == 0:
            raise OSError(errno.EIO, "short copy", str(src))
        offset, count = offset + done, count - done


def guard_disk(path: Path, min_free: int = 1 << 20) -> None:
    """Fail early, with a clear message, when the disk is (nearly) full."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    if free < min_free:
        raise PublishError(
            path, f"no space left on the device ({free:,} bytes free); the previous release is unchanged"
        )


def describe_file(path: Path, base: Path) -> dict:
    return {
        "path": path.relative_to(base).as_posix(),
        "bytes": path.stat().st_size,
        "hash": f"sha256:{sha256_file(path)}",
    }


def current_release(out: Path, name: str) -> Path | None:
    link = out / name
    if link.is_symlink() and link.resolve().is_dir():
        return link.resolve()
    return None


def next_version(out: Path, name: str) -> str:
    base = out / "releases" / name
    minors = (
        [int(p.name.split(".")[1]) for p in base.glob("1.*.0") if p.name.split(".")[1].isdigit()]
        if base.is_dir()
        else []
    )
    return f"1.{max(minors) + 1 if minors else 0}.0"


def final_release_dir(out: Path, name: str, version: str) -> Path:
    return (out / "releases" / name / version).resolve()


def move_into_releases(staging: Staging, name: str, version: str) -> Path:
    """Make the staged release complete and durable under releases/<name>/<version> (not yet current)."""
    out = staging.out
    final = final_release_dir(out, name, version)
    staging.wait_for_disk()
    try:
        for p in sorted(staging.dir.rglob("*")):  # the data files are on disk by now: this is quick
            if p.is_file():
                fsync_path(p)
        final.parent.mkdir(parents=True, exist_ok=True)
        faults.checkpoint("publish.before_rename")
        os.rename(staging.dir, final)
        fsync_path(final.parent)
        shutil.rmtree(out / ".staging", ignore_errors=True)
    except OSError as exc:
        raise PublishError(
            out,
            f"cannot write the release ({errno.errorcode.get(exc.errno, '')}: {exc.strerror}); "
            "the previous release is unchanged",
        ) from None
    faults.checkpoint("publish.in_releases")
    return final


def switch_current(out: Path, name: str, final: Path) -> None:
    """Point the ``name`` symlink at ``final`` with one atomic rename."""
    link = out / name
    if link.exists() and not link.is_symlink():
        raise PublishError(link, "exists and is not a release symlink; move it away")
    tmp_link = out / f".{name}.{uuid.uuid4().hex}.tmp"
    try:
        faults.checkpoint("publish.before_switch")
        os.symlink(os.path.relpath(final, out), tmp_link)
        os.replace(tmp_link, link)
        fsync_path(out)
    except OSError as exc:
        tmp_link.unlink(missing_ok=True)
        raise PublishError(
            out,
            f"cannot switch to the new release ({errno.errorcode.get(exc.errno, '')}: {exc.strerror}); "
            "the previous release is unchanged",
        ) from None
    faults.checkpoint("publish.after_switch")


def remove_orphans(out: Path, name: str) -> list[str]:
    """Releases left by a run killed before its switch (newer than the current one) are removed; the lock is held."""
    base = out / "releases" / name
    current = current_release(out, name)
    current_minor = int(current.name.split(".")[1]) if current else -1
    removed = []
    for p in base.glob("1.*.0") if base.is_dir() else []:
        minor = p.name.split(".")[1]
        if minor.isdigit() and int(minor) > current_minor:
            shutil.rmtree(p, ignore_errors=True)
            (base / ".index" / f"{p.name}.parquet").unlink(missing_ok=True)
            (base / ".index" / f"{p.name}{LINES_SUFFIX}").unlink(missing_ok=True)
            removed.append(p.name)
    for tmp in out.glob(f".{name}.*.tmp"):
        tmp.unlink(missing_ok=True)
    return sorted(removed)
