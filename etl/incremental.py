"""Incremental refresh: a delta export (new or changed requests) on top of the current release.

Rule: the same as within one export, the latest update wins. A delta row replaces the current
release's row with the same id unless that row has a later ``updated_datetime`` (then the delta
row is quarantined as ``older_than_current_release``); ids not in the delta are carried over
unchanged, and no request is removed. The new release therefore holds the same rows a full run
over (previous input + delta) publishes; carried-over rows keep their order and the delta's
follow. Only the delta goes through the transform, and only its rows are written to the database.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .cells import to_text
from .chunks import Published, RunStats
from .quarantine import Quarantine


def carry_over(base_dir: Path, base_index: Path, delta: list[Published], staging, stats: RunStats,
               quarantine: Quarantine) -> tuple[pa.Table, list[str], int]:
    """Write the base rows the delta does not replace, then the delta rows that win.

    Returns (the delta rows written, the base ids they replace, rows in the new release).
    """
    updates = pd.concat([p.frame.set_index("service_request_id")["updated_datetime"] for p in delta]) if delta else pd.Series(dtype=object)
    delta_ids = pa.array(updates.index.to_numpy(), pa.string())
    replaced, keep_base, carried = [], set(), 0
    for batch in pq.ParquetFile(base_dir / "data" / "service_requests.parquet").iter_batches(batch_size=256_000):
        table = pa.Table.from_batches([batch]).cast(staging.arrow_schema)
        hit = pc.is_in(table["service_request_id"], value_set=delta_ids)
        if pc.any(hit).as_py():
            both = table.filter(hit).select(["service_request_id", "updated_datetime"]).to_pandas()
            newer_base = both["updated_datetime"].to_numpy() > updates.loc[both["service_request_id"]].to_numpy()
            keep_base.update(both.loc[newer_base, "service_request_id"])
            replaced += both.loc[~newer_base, "service_request_id"].tolist()
            hit = pc.and_(hit, pc.invert(pc.is_in(table["service_request_id"], value_set=pa.array(sorted(keep_base), pa.string()))))
        kept = table.filter(pc.invert(hit))
        staging.write_requests(kept, to_text(kept))
        carried += kept.num_rows
        stats.type_counts.append(_type_counts(kept))
        stats.see_dates(*(kept[c].to_pandas() for c in ("requested_datetime", "updated_datetime", "closed_datetime")))
    index = pq.read_table(base_index).to_pandas()
    stats.index_parts.append(index[~index["service_request_id"].isin(set(replaced))])
    written = []
    for pub in delta:
        wins = ~pub.frame["service_request_id"].isin(keep_base).to_numpy()
        for row in pub.frame.loc[~wins, "_row"]:
            quarantine.note(int(row), "older_than_current_release", "updated_datetime", "the current release has a later update of this id")
        pub = Published(pub.typed.filter(pa.array(wins)), pub.text.filter(pa.array(wins)), pub.frame[wins], pub.cells[wins])
        staging.write_requests(pub.typed, pub.text)
        stats.add(pub)
        written.append(pub.typed)
    rows = pa.concat_tables(written) if written else staging.arrow_schema.empty_table()
    return rows, replaced, carried + rows.num_rows


def _type_counts(table: pa.Table) -> pd.DataFrame:
    keys = ["service_code", "service_name", "agency_responsible"]
    grouped = table.select(keys).group_by(keys, use_threads=False).aggregate([([], "count_all")])
    frame = grouped.to_pandas().rename(columns={"count_all": "n"})
    frame["agency_responsible"] = frame["agency_responsible"].fillna("")
    return frame
