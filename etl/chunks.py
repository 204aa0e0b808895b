"""One chunk of raw rows through every step, and the running totals of a run."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from . import faults
from .cells import to_arrow, to_text
from .geo import assign_neighborhoods
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
    wanted: list[str]       # raw columns the profile maps
    superseded: set[int]    # row numbers that lose to a later update of the same id

    @property
    def excluded(self) -> set[str]:
        return {t.casefold() for t in self.profile.privacy["excluded_types"]}


@dataclass
class Published:
    typed: pa.Table         # the published columns, typed (Parquet, database)
    text: pa.Table          # the same as CSV text
    frame: pd.DataFrame     # typed pandas frame (for statistics)
    cells: pd.DataFrame     # text cells (for validation and row hashes)


def normalise_chunk(raw: pd.DataFrame, ctx: Context, quarantine: Quarantine) -> Published:
    """Raw rows -> published rows; every row that cannot be published is quarantined with its reason."""
    dup = raw["_row"].isin(ctx.superseded)
    quarantine.add_rows(raw, raw.loc[dup, "_row"], "duplicate_id_superseded", "service_request_id", "a later update of the same id wins")
    chunk = transform_chunk(raw.loc[~dup, ["_row", *ctx.wanted]], ctx.profile, ctx.as_of, ctx.hoods.bbox)
    chunk.reject(chunk.frame["service_name"].str.casefold().isin(ctx.excluded), "excluded_type", "service_name", "type is excluded by the profile")
    frame = assign_neighborhoods(chunk.frame, ctx.hoods, ctx.districts)
    frame = apply_privacy(frame, ctx.profile, ctx.hoods)
    typed = to_arrow(frame, ctx.profile.timezone)
    text = to_text(typed)
    cells = text.to_pandas()
    errors = validate_frame(cells, load_schema("service_requests"), first_row=0)
    if errors:
        for e in errors:
            chunk.rejects.append((int(frame["_row"].iloc[e.row]), "schema_violation", e.field, f"{e.error} {e.constraint}".strip()))
        bad = {e.row for e in errors}
        keep = [i for i in range(len(frame)) if i not in bad]
        typed, text, frame, cells = typed.take(keep), text.take(keep), frame.iloc[keep], cells.iloc[keep]
    quarantine.add_rejects(raw, chunk.rejects)
    faults.checkpoint("read.chunk")
    return Published(typed, text, frame, cells)


def row_index(cells: pd.DataFrame) -> pd.DataFrame:
    """id, status and a hash of every published cell: what the changelog compares between releases."""
    return pd.DataFrame({
        "service_request_id": cells["service_request_id"].to_numpy(),
        "status": cells["status"].to_numpy(),
        "row_hash": pd.util.hash_pandas_object(cells, index=False).to_numpy(),
    })


@dataclass
class RunStats:
    rows_read: int = 0
    published: int = 0
    flags: dict = field(default_factory=lambda: {"quality_flags": Counter(), "redaction_reason": Counter()})
    type_counts: list = field(default_factory=list)
    index_parts: list = field(default_factory=list)
    data_through: pd.Timestamp | None = None

    def add(self, pub: Published) -> None:
        frame = pub.frame
        self.published += len(frame)
        for col in self.flags:
            flags = frame[col].str.split(";").explode()
            self.flags[col].update(flags[flags != ""].value_counts().to_dict())
        self.type_counts.append(frame.groupby(["service_code", "service_name", "agency_responsible"]).size().rename("n").reset_index())
        self.index_parts.append(row_index(pub.cells))
        self.see_dates(frame["requested_datetime"], frame["updated_datetime"], frame["closed_datetime"])

    def see_dates(self, *columns: pd.Series) -> None:
        latest = pd.concat([c.dropna() for c in columns]).max()
        if pd.notna(latest) and (self.data_through is None or latest > self.data_through):
            self.data_through = latest

    def index(self) -> pd.DataFrame:
        return pd.concat(self.index_parts, ignore_index=True) if self.index_parts else row_index(pd.DataFrame(columns=["service_request_id", "status"]))
