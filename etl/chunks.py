"""One chunk of raw rows through every step, and the running totals of a run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .cells import to_arrow, to_text
from .geo import assign_neighborhoods
from .io.sqlite_build import sqlite_chunk
from .privacy import apply_privacy
from .quarantine import Quarantine
from .transform import transform_chunk
from .validate import load_schema, validate_frame


@dataclass
class Context:
    """Everything a chunk needs that does not change during a run."""

    profile: object
    as_of: pd.Timestamp
    hoods: object
    districts: object
    wanted: list[str]  # raw columns the profile maps
    superseded: set[int]  # row numbers that lose to a later update of the same id
    sqlite_chunks: bool = False  # workers also make each chunk's SQLite rows (etl.io.sqlite_build.sqlite_chunk)

    @property
    def excluded(self) -> set[str]:
        return {t.casefold() for t in self.profile.privacy["excluded_types"]}


@dataclass
class Published:
    typed: pa.Table  # the published columns, typed (Parquet, database)
    text: pa.Table  # the same as CSV text
    frame: pd.DataFrame  # typed pandas frame (for statistics)
    cells: pd.DataFrame  # text cells (for validation and row hashes)


def normalise_chunk(raw: pd.DataFrame, ctx: Context, quarantine: Quarantine) -> Published:
    """Raw rows -> published rows; every row that cannot be published is quarantined with its reason."""
    dup = raw["_row"].isin(ctx.superseded)
    quarantine.add_rows(
        raw, raw.loc[dup, "_row"], "duplicate_id_superseded", "service_request_id", "a later update of the same id wins"
    )
    chunk = transform_chunk(raw.loc[~dup, ["_row", *ctx.wanted]], ctx.profile, ctx.as_of, ctx.hoods.bbox)
    chunk.reject(
        chunk.frame["service_name"].str.casefold().isin(ctx.excluded),
        "excluded_type",
        "service_name",
        "type is excluded by the profile",
    )
    frame = assign_neighborhoods(chunk.frame, ctx.hoods, ctx.districts)
    frame = apply_privacy(frame, ctx.profile, ctx.hoods)
    typed = to_arrow(frame, ctx.profile.timezone)
    text = to_text(typed)
    cells = text.to_pandas()
    errors = validate_frame(cells, load_schema("service_requests"), first_row=0)
    if errors:
        for e in errors:
            chunk.rejects.append(
                (int(frame["_row"].iloc[e.row]), "schema_violation", e.field, f"{e.error} {e.constraint}".strip())
            )
        bad = {e.row for e in errors}
        keep = [i for i in range(len(frame)) if i not in bad]
        typed, text, frame, cells = typed.take(keep), text.take(keep), frame.iloc[keep], cells.iloc[keep]
    quarantine.add_rejects(raw, chunk.rejects)
    return Published(typed, text, frame, cells)


@dataclass
class Summary:
    """What the run needs to know of a published chunk, small enough to send between processes."""

    published: int
    flags: dict
    type_counts: pd.DataFrame
    index: pa.Table
    data_through: pd.Timestamp | None


def summarise(pub: Published) -> Summary:
    frame = pub.frame
    flags = {}
    for col in ("quality_flags", "redaction_reason"):
        values = frame[col]
        exploded = values[values != ""].str.split(";").explode()  # most rows have no flag: split only the others
        flags[col] = Counter(exploded[exploded != ""].value_counts().to_dict())
    dates = pd.concat([frame[c].dropna() for c in ("requested_datetime", "updated_datetime", "closed_datetime")])
    return Summary(
        len(frame),
        flags,
        frame.groupby(["service_code", "service_name", "agency_responsible"], dropna=False)
        .size()
        .rename("n")
        .reset_index(),
        row_index(pub.cells),
        dates.max() if len(dates) else None,
    )


@dataclass
class Processed:
    """A chunk through every step, as a worker process hands it back."""

    rows_read: int
    typed: pa.Table
    text: pa.Table
    summary: Summary
    quarantine: Quarantine  # the chunk's own (the run merges them)
    database: bytes | None  # the typed rows as a SQLite database (etl.io.sqlite_build.sqlite_chunk)


def process_chunk(raw: pd.DataFrame, ctx: Context) -> Processed:
    """normalise_chunk with its own quarantine, for a worker process; with ``ctx.sqlite_chunks``, also
    the chunk's rows as a SQLite database for the main process's ``SqliteBuild.add_chunk``."""
    quarantine = Quarantine(ctx.wanted)
    pub = normalise_chunk(raw, ctx, quarantine)
    database = sqlite_chunk(pub.typed) if ctx.sqlite_chunks else None
    return Processed(len(raw), pub.typed, pub.text, summarise(pub), quarantine, database)


INDEX_SCHEMA = pa.schema([("service_request_id", pa.string()), ("status", pa.string()), ("row_hash", pa.uint64())])


def row_index(cells: pd.DataFrame) -> pa.Table:
    """id, status and a hash of every published cell: what the changelog compares between releases.
    (Arrow, not Python objects: the run keeps one entry per published row until the end.)"""
    return pa.Table.from_arrays(
        [
            pa.array(cells["service_request_id"], pa.string(), from_pandas=True),
            pa.array(cells["status"], pa.string(), from_pandas=True),
            pa.array(pd.util.hash_pandas_object(cells, index=False).to_numpy(), pa.uint64()),
        ],
        schema=INDEX_SCHEMA,
    )


@dataclass
class RunStats:
    rows_read: int = 0
    published: int = 0
    flags: dict = field(default_factory=lambda: {"quality_flags": Counter(), "redaction_reason": Counter()})
    type_counts: list = field(default_factory=list)
    index_parts: list = field(default_factory=list)
    data_through: pd.Timestamp | None = None
    # With a path, the index entries (id, status, row hash: ~40 bytes a row) go to this Parquet
    # file as they come instead of staying in memory for the whole run.
    index_spill: Path | None = None
    _spill_writer: object = None

    def add(self, pub: Published) -> None:
        self.add_summary(summarise(pub))

    def add_summary(self, summary: Summary) -> None:
        self.published += summary.published
        for col, counts in summary.flags.items():
            self.flags[col].update(counts)
        self.type_counts.append(summary.type_counts)
        self.add_index(summary.index)
        self.see_latest(summary.data_through)

    def see_latest(self, when: pd.Timestamp | None) -> None:
        """The latest date of any published row so far (the release's data_through)."""
        if when is not None and (self.data_through is None or when > self.data_through):
            self.data_through = when

    def add_index(self, part: pa.Table) -> None:
        if self.index_spill is None:
            self.index_parts.append(part)
            return
        if self._spill_writer is None:
            self._spill_writer = pq.ParquetWriter(self.index_spill, INDEX_SCHEMA)
        self._spill_writer.write_table(part.cast(INDEX_SCHEMA))

    def index(self) -> pa.Table:
        """Every index entry added, in order."""
        parts = list(self.index_parts)
        if self._spill_writer is not None:
            self._spill_writer.close()
            self._spill_writer = None
            parts = [pq.read_table(self.index_spill), *parts]
            self.index_parts = parts
            self.index_spill.unlink()
            self.index_spill = None
        return pa.concat_tables(parts) if parts else INDEX_SCHEMA.empty_table()
