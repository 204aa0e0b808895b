"""CSV exports (RFC 4180, any delimiter and encoding), read in streaming blocks with pyarrow."""

from __future__ import annotations

import codecs
import csv
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputError


def read_csv_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    with open(path, "rb") as f:
        head = f.read(1 << 20)
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    first_line, _, rest = head.partition(b"\n")
    first_line = first_line.rstrip(b"\r")
    if not rest.strip() and path.stat().st_size <= len(head) + 3:
        if first_line.strip():
            raise InputError(path, "has a header but no data rows")
    if not first_line.strip():
        raise InputError(path, "first line is blank: expected a header row")
    try:
        text = first_line.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"header is not {encoding} text (byte {exc.start}): unreadable encoding; set input.encoding in the profile",
        ) from None
    if "\x00" in text:
        raise InputError(
            path, f"header contains NUL bytes: not {encoding} text (UTF-16?); set input.encoding in the profile"
        )
    try:
        table = pacsv.read_csv(
            pa.py_buffer(first_line + b"\n"),
            read_options=pacsv.ReadOptions(encoding=encoding, autogenerate_column_names=False),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(path, f"cannot read the header: {exc}") from None
    return [c.strip() for c in table.column_names]


def locate_malformed(path: Path, encoding: str, delimiter: str) -> list[tuple[int, int, str]]:
    """(record number, fields found, first missing or extra field) of every record whose field count is wrong.

    A slow, exact scan with Python's csv module, run only when the fast reader reported such rows,
    so that each one can be named by its record number (the header is record 0).
    """
    out = []
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, [])
        for number, record in enumerate(reader, 1):
            if record and len(record) != len(header):
                field = header[len(record)] if len(record) < len(header) else f"(extra after {header[-1]!r})"
                out.append((number, len(record), field))
    return out


def _renumber(parsed: np.ndarray, malformed: list[int]) -> np.ndarray:
    """Numbers among the records the fast reader kept -> record numbers in the file."""
    rows = parsed.copy()
    for m in sorted(malformed):
        rows = np.where(rows >= m, rows + 1, rows)
    return rows


def read_csv_chunks(
    path: Path,
    encoding: str,
    on_bad_row,
    *,
    delimiter: str,
    columns,
    block_bytes: int,
    threads: bool = False,
    malformed: list | None = None,
) -> Iterator[pd.DataFrame]:
    """Fast path: columns read as UTF-8 text. If a block holds bytes that are not UTF-8, the file is read
    again from that block on with binary columns, so the offending rows can be named and quarantined.
    ``malformed`` (from ``locate_malformed``) makes row numbers exact when records had to be skipped."""
    header = read_csv_header(path, encoding, delimiter)
    if len(set(header)) != len(header):
        dup = next(c for c in header if header.count(c) > 1)
        raise InputError(path, f"column {dup!r} appears twice in the header")
    wanted = header if columns is None else [c for c in header if c in set(columns)]
    done = 0  # batches already yielded
    for binary in (False, True):
        try:
            for n, (batch, first_row, bad) in enumerate(
                _batches(path, encoding, delimiter, header, wanted, block_bytes, threads, binary)
            ):
                if n < done:
                    continue
                if not malformed:
                    for text, n_fields in bad:
                        on_bad_row(
                            None,
                            None,
                            "malformed_row",
                            f"after row {first_row - 1}: expected {len(header)} fields, "
                            f"found {n_fields}: {text[:80]!r}",
                        )
                if batch is not None and batch.num_rows:
                    frame = _decode_batch(batch, first_row, on_bad_row) if binary else _frame(batch, first_row)
                    if malformed:
                        frame["_row"] = _renumber(frame["_row"].to_numpy(), [m[0] for m in malformed])
                    yield frame
                done = n + 1
            for number, n_fields, field in malformed or []:
                on_bad_row(number, field, "malformed_row", f"expected {len(header)} fields, found {n_fields}")
            return
        except pa.ArrowInvalid as exc:
            if binary or "UTF8" not in str(exc):
                raise InputError(path, f"cannot read as CSV: {_short(exc)}") from None


def _batches(path, encoding, delimiter, header, wanted, block_bytes, threads, binary):
    """(batch, first row number, rows that had the wrong number of fields); a last (None, ...) flushes them."""
    pending: list[tuple[str, int]] = []

    def invalid_row(row) -> str:
        pending.append((row.text, row.actual_columns))
        return "skip"

    utf8 = codecs.lookup(encoding).name == "utf-8"
    source = _Paced(path, 3 * block_bytes)
    try:
        yield from _paced_batches(
            source,
            encoding if not utf8 else "utf-8",
            delimiter,
            header,
            wanted,
            block_bytes,
            threads,
            binary,
            pending,
            invalid_row,
            path,
        )
    finally:
        source.finish()


def _paced_batches(
    source, encoding, delimiter, header, wanted, block_bytes, threads, binary, pending, invalid_row, path
):
    try:
        with source.waiting():
            reader = pacsv.open_csv(
                source,
                read_options=pacsv.ReadOptions(
                    encoding=encoding, block_size=block_bytes, use_threads=threads, column_names=header, skip_rows=1
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, newlines_in_values=True, invalid_row_handler=invalid_row
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.binary() if binary else pa.string() for c in header},
                    include_columns=wanted,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
    except UnicodeDecodeError as exc:
        raise InputError(path, f"cannot read as CSV: {_short(exc)}") from None
    next_row = 1
    while True:
        try:
            with source.waiting():
                batch = reader.read_next_batch()
        except StopIteration:
            break
        except UnicodeDecodeError as exc:
            raise InputError(path, f"cannot read after row {next_row - 1}: {_short(exc)}") from None
        source.allow(block_bytes)
        bad, pending[:] = list(pending), []
        yield batch, next_row, bad
        next_row += batch.num_rows
    yield None, next_row, list(pending)


class _Paced(io.RawIOBase):
    """The input file of pyarrow's streaming CSV reader, which otherwise reads the whole file ahead
    in background threads as fast as it can (memory would grow with the file, not the block).

    Reads stop ``ahead`` bytes past what the consumer has taken (``allow`` after each batch). A
    record longer than the allowance must not stall the reader: when the consumer has waited for a
    batch (``waiting``) a whole ``patience`` without using the CPU, it is waiting for input, and one
    more read goes through. A consumer busy parsing is not waiting for input: its reads stay held
    (letting them through too made the read-ahead creep a block further with every slow batch;
    5,000,000 rows ended with ~600 MB of blocks read ahead).
    """

    patience = 0.5

    def __init__(self, path: Path, ahead: int):
        super().__init__()
        self._file = open(path, "rb", buffering=0)
        self._ahead, self._allowed, self._forced, self._pos = ahead, 0, 0, 0
        self._waiting, self._clock = False, None  # a thread is inside ``waiting``; its CPU clock
        self._cv = threading.Condition()

    def readable(self) -> bool:
        return True

    def _limit(self) -> int:
        return max(self._allowed + self._ahead, self._forced)

    def _consumer_cpu(self) -> float:
        """CPU seconds of the waiting thread (0.0 when they cannot be read: every wait counts as starved)."""
        try:
            return 0.0 if self._clock is None else time.clock_gettime(self._clock)
        except OSError:
            return 0.0

    def readinto(self, buffer) -> int:
        with self._cv:
            while self._pos >= self._limit():
                before = self._consumer_cpu() if self._waiting else None
                if (
                    not self._cv.wait(timeout=self.patience)
                    and before is not None
                    and self._waiting
                    and self._consumer_cpu() - before < self.patience / 10
                ):
                    self._forced = self._pos + len(buffer)  # the consumer is starved: one more read
        if self._file.closed:  # finished: the consumer has stopped reading
            return 0
        n = self._file.readinto(buffer)
        self._pos += n
        return n

    def ahead_of_consumer(self) -> int:
        """Bytes read beyond what the consumer has taken."""
        return self._pos - self._allowed

    def allow(self, nbytes: int) -> None:
        with self._cv:
            self._allowed += nbytes
            self._cv.notify_all()

    @contextmanager
    def waiting(self):
        """The calling thread waits for a batch (one consumer thread)."""
        try:
            clock = time.pthread_getcpuclockid(threading.get_ident())
        except (AttributeError, OSError):  # no per-thread CPU clock here
            clock = None
        with self._cv:
            self._waiting, self._clock = True, clock
        try:
            yield
        finally:
            with self._cv:
                self._waiting, self._clock = False, None

    def finish(self) -> None:
        """No more pacing (a reader thread may still be reading), then close."""
        self.allow(1 << 62)
        self._file.close()
        self.close()


def _frame(batch: pa.RecordBatch, first_row: int) -> pd.DataFrame:
    frame = batch.to_pandas()
    frame.insert(0, "_row", range(first_row, first_row + len(frame)))
    return frame


def _decode_batch(batch: pa.RecordBatch, first_row: int, on_bad_row) -> pd.DataFrame:
    """Binary columns -> str columns; rows with bytes that are not UTF-8 are reported and dropped."""
    cols, bad = {}, set()
    for name, arr in zip(batch.schema.names, batch.columns):
        try:
            cols[name] = arr.cast(pa.string())
        except pa.ArrowInvalid:
            values = arr.to_pylist()
            fixed = []
            for i, v in enumerate(values):
                try:
                    fixed.append(v.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    fixed.append("")
                    if first_row + i not in bad:
                        on_bad_row(
                            first_row + i,
                            name,
                            "invalid_encoding",
                            f"byte 0x{v[exc.start]:02x} at position {exc.start} is not UTF-8",
                        )
                    bad.add(first_row + i)
            cols[name] = pa.array(fixed, pa.string())
    frame = pa.table(cols).to_pandas()
    frame.insert(0, "_row", range(first_row, first_row + len(frame)))
    if bad:
        frame = frame[~frame["_row"].isin(bad)].reset_index(drop=True)
    return frame


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]
