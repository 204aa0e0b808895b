"""Incremental refresh: a delta export (new or changed requests) on top of the current release.

Rule: the same as within one export, the latest update wins. A delta row replaces the current
release's row with the same id unless that row has a later ``updated_datetime`` (then the delta
row is quarantined as ``older_than_current_release``); ids not in the delta are carried over
unchanged, and no request is removed. The new release therefore holds the same rows a full run
over (previous input + delta) publishes; carried-over rows keep their order and the delta's
follow. Only the delta goes through the transform, and only its rows are written to the database.

Carried-over rows are not formatted again: their CSV records are copied as bytes from the current
release (one record per line; otherwise they are re-formatted), their typed rows come from its
Parquet file, and their changelog entries (id, status, row hash) from its index, by position.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import faults
from .cells import to_text
from .chunks import INDEX_SCHEMA, Published, RunStats
from .quarantine import Quarantine

DATES = ("requested_datetime", "updated_datetime", "closed_datetime")
TYPE_KEYS = ["service_code", "service_name", "agency_responsible"]


@dataclass
class CarryOver:
    """What the new release takes from the current one, and which delta rows win."""

    base_dir: Path
    base_rows: int  # rows in the current release
    drop: np.ndarray  # positions of its rows that the delta replaces
    replaced: list[str]  # the ids at those positions
    winners: list[Published]  # the delta rows that win, in delta order
    rows: pa.Table  # the winners' typed rows (what the database receives)
    base_ids: pa.ChunkedArray  # the current release's ids, in its order

    @property
    def rows_in_release(self) -> int:
        return self.base_rows - len(self.drop) + self.rows.num_rows


def plan(base_dir: Path, delta: list[Published], arrow_schema: pa.Schema, quarantine: Quarantine) -> CarryOver:
    """Decide which rows the new release holds, reading only the current release's ids and update
    times (nothing is written): what the database change needs. ``count`` adds them to the run's
    statistics."""
    updates = (
        pd.concat([p.frame.set_index("service_request_id")["updated_datetime"] for p in delta])
        if delta
        else pd.Series(dtype=object)
    )
    base = _read(base_dir, ["service_request_id", "updated_datetime"], arrow_schema)
    ids = base["service_request_id"]
    hits = np.flatnonzero(
        pc.is_in(ids, value_set=pa.array(updates.index.to_numpy(), pa.string())).to_numpy(zero_copy_only=False)
    )
    keep_base: set[str] = set()
    drop = hits
    if len(hits):
        both = base.take(pa.array(hits)).to_pandas()
        newer_base = both["updated_datetime"].to_numpy() > updates.loc[both["service_request_id"]].to_numpy()
        keep_base = set(both.loc[newer_base, "service_request_id"])
        drop = hits[~newer_base]
    replaced = ids.take(pa.array(drop, pa.int64())).to_pylist()
    winners = []
    for pub in delta:
        wins = ~pub.frame["service_request_id"].isin(keep_base).to_numpy()
        for row in pub.frame.loc[~wins, "_row"]:
            quarantine.note(
                int(row),
                "older_than_current_release",
                "updated_datetime",
                "the current release has a later update of this id",
            )
        winners.append(
            Published(
                pub.typed.filter(pa.array(wins)), pub.text.filter(pa.array(wins)), pub.frame[wins], pub.cells[wins]
            )
        )
    rows = pa.concat_tables([w.typed for w in winners]) if winners else arrow_schema.empty_table()
    return CarryOver(base_dir, base.num_rows, drop, replaced, winners, rows, ids)


def count(carry: CarryOver, base_index: Path, arrow_schema: pa.Schema, stats: RunStats) -> None:
    """Count the new release's rows into ``stats`` in release order: the carried-over rows (their
    types, latest date and index entries), then the winners."""
    kept = _without(_read(carry.base_dir, [*TYPE_KEYS, *DATES], arrow_schema), carry.drop)
    stats.type_counts.append(_type_counts(kept))
    stats.see_latest(_latest(kept))
    stats.add_index(_carried_index(pq.read_table(base_index), carry.base_ids, carry.drop, carry.replaced))
    for pub in carry.winners:
        stats.add(pub)


def dictionary_columns(schema: pa.Schema) -> tuple[str, ...]:
    """The columns an incremental run carries over as dictionaries (``write_typed``): every string
    column but the id, which is unique (its values would only be hashed into a dictionary)."""
    return tuple(f.name for f in schema if pa.types.is_string(f.type) and f.name != "service_request_id")


def write_typed(carry: CarryOver, staging) -> None:
    """The new release's Parquet rows: the carried-over ones, then the winners, a few row groups in
    memory at a time. Each row group of the current release but the last becomes one row group
    without the replaced rows, its ``staging.dictionary_columns`` read and written as dictionaries
    (``Staging.write_row_group``: the strings are neither decoded nor encoded again, and each column
    holds one copy of each distinct value). The last one and the winners are cut into
    row groups of the usual size. A full run writes row groups of that size throughout; the rows
    and their types are the same either way. The Staging writer casts the rows read back (ms
    timestamps) to the published types."""
    base = pq.ParquetFile(
        carry.base_dir / "data" / "service_requests.parquet", read_dictionary=list(staging.dictionary_columns)
    )
    drop, at, last = np.sort(carry.drop), 0, base.num_row_groups - 1
    for i in range(base.num_row_groups):
        group = base.read_row_group(i, use_threads=False)
        lo, hi = np.searchsorted(drop, [at, at + group.num_rows])
        kept = _drop_rows(group, drop[lo:hi] - at)
        if i < last:
            staging.write_row_group(kept)
        else:
            staging.write_typed(kept)
        at += group.num_rows
    for w in carry.winners:
        staging.write_typed(w.typed)


def write(carry: CarryOver, staging, typed: Future | None = None, line_lengths: np.ndarray | None = None) -> None:
    """Stage the new release's rows: the carried-over ones, then the winners. The Parquet file is
    written in a second thread (``typed``: the future of ``write_typed`` if the caller started it
    already) while the CSV records are copied (both release the GIL); the finished CSV file is
    then hashed while the Parquet file is finished. ``line_lengths``: those of the current
    release's CSV, which then need not be read to find its records."""
    with ThreadPoolExecutor(1) as pool:
        parquet = typed or pool.submit(write_typed, carry, staging)
        if not staging.copy_csv_records(
            carry.base_dir / "data" / "service_requests.csv", carry.base_rows, carry.drop, line_lengths
        ):
            staging.write_text(to_text(_without(_read(carry.base_dir, None, staging.arrow_schema), carry.drop)))
        for w in carry.winners:
            staging.write_text(w.text)
        staging.close_csv()  # hashed and synced while the Parquet file is still being written
        parquet.result()
    faults.checkpoint("publish.chunk_written")


def _read(base_dir: Path, columns: list[str] | None, schema: pa.Schema) -> pa.Table:
    """Columns of the current release's Parquet file, typed as published (Parquet keeps ms timestamps)."""
    table = pq.read_table(base_dir / "data" / "service_requests.parquet", columns=columns)
    return table.cast(pa.schema([schema.field(name) for name in table.column_names]))


def _without(table: pa.Table, drop: np.ndarray) -> pa.Table:
    """``table`` without the rows at positions ``drop``, as slices of it (no copy)."""
    bounds = np.concatenate([[-1], np.sort(drop), [table.num_rows]]).astype(np.int64)
    pieces = [table.slice(a + 1, b - a - 1) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()) if b - a - 1 > 0]
    return pa.concat_tables(pieces) if pieces else table.slice(0, 0)


def _drop_rows(table: pa.Table, drop: np.ndarray) -> pa.Table:
    """``table`` without the rows at positions ``drop``, in one contiguous chunk per column: unlike
    ``_without``'s slices, each dictionary column keeps one dictionary, which the Parquet writer
    writes as it is (``Staging.write_row_group``)."""
    if not len(drop):
        return table
    keep = np.ones(table.num_rows, bool)
    keep[drop] = False
    return table.filter(pa.array(keep))


def _carried_index(index: pa.Table, ids: pa.ChunkedArray, drop: np.ndarray, replaced: list[str]) -> pa.Table:
    """The current index's entries of the carried-over rows: by position when the index lists the
    release's rows in order (it is written that way), else by id."""
    index = index.cast(INDEX_SCHEMA)
    if index.num_rows == len(ids) and index["service_request_id"].equals(ids):
        return _without(index, drop)
    return index.filter(pc.invert(pc.is_in(index["service_request_id"], value_set=pa.array(replaced, pa.string()))))


def _latest(table: pa.Table) -> pd.Timestamp | None:
    latest = [pd.Timestamp(t) for t in (pc.max(table[c]).as_py() for c in DATES) if t is not None]
    return max(latest) if latest else None


def _type_counts(table: pa.Table) -> pd.DataFrame:
    grouped = table.select(TYPE_KEYS).group_by(TYPE_KEYS, use_threads=False).aggregate([([], "count_all")])
    frame = grouped.to_pandas().rename(columns={"count_all": "n"})
    frame["agency_responsible"] = frame["agency_responsible"].fillna("")
    return frame
