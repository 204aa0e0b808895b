"""Duplicate ids: the latest update wins.

Rule: when an id appears more than once, the row with the latest updated_datetime is published
(rows without one count as oldest; on a tie, the row later in the file wins). The others are
quarantined as ``duplicate_id_superseded``. A first pass reads only the id and update columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .datetimes import parse_datetimes
from .sources import read_chunks


def find_superseded(path: Path, profile, header: list[str], malformed: list | None = None, on_bad_row=None) -> set[int]:
    """Row numbers of the rows that lose to a later update of the same id.

    Ids, update texts and row numbers are kept as Arrow arrays (a few dozen bytes a row, no
    Python objects); only the rows of ids that appear more than once become a DataFrame. The CSV
    reader parses with threads (this scan runs before the transform's workers start, so the cores
    are free). Rows it had to skip only tell the caller to locate them exactly
    (``malformed``), so the order in which threads report them does not matter.
    """
    id_col = profile.columns["service_request_id"]
    upd_col = profile.columns.get("updated_datetime") or ""
    cols = [c for c in (id_col, upd_col) if c and c in header]
    ids, updates, rows = [], [], []
    for raw in read_chunks(
        path,
        profile.input["format"],
        profile.input["encoding"],
        on_bad_row or (lambda *a: None),
        delimiter=profile.input["delimiter"],
        columns=cols,
        threads=True,
        malformed=malformed,
    ):
        ids.append(pc.utf8_trim_whitespace(pa.array(raw[id_col], pa.string(), from_pandas=True)))
        updates.append(pa.array(raw[upd_col] if upd_col in raw else [""] * len(raw), pa.string(), from_pandas=True))
        rows.append(pa.array(raw["_row"].to_numpy(), pa.int64()))
    if not ids:
        return set()
    table = pa.table(
        {
            "id": pa.chunked_array(ids, pa.string()),
            "updated": pa.chunked_array(updates, pa.string()),
            "_row": pa.chunked_array(rows, pa.int64()),
        }
    )
    del ids, updates, rows
    counts = table.group_by("id", use_threads=False).aggregate([([], "count_all")])
    repeated = counts.filter(pc.and_(pc.greater(counts["count_all"], 1), pc.not_equal(counts["id"], "")))["id"]
    if len(repeated) == 0:
        return set()
    dups = table.filter(pc.is_in(table["id"], value_set=repeated.combine_chunks())).to_pandas()
    del table, counts
    dups["updated"] = parse_datetimes(
        dups["updated"].astype("str").str.strip(), profile.input["datetime_formats"], profile.timezone
    )
    # rows without an update sort first (oldest); ties keep file order, so the later row wins
    winners = dups.sort_values(["id", "updated", "_row"], na_position="first", kind="stable").drop_duplicates(
        "id", keep="last"
    )["_row"]
    return set(np.setdiff1d(dups["_row"].to_numpy(), winners.to_numpy()).tolist())
