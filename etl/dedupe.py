"""Duplicate ids: the latest update wins.

Rule: when an id appears more than once, the row with the latest updated_datetime is published
(rows without one count as oldest; on a tie, the row later in the file wins). The others are
quarantined as ``duplicate_id_superseded``. A first pass reads only the id and update columns.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .sources import read_chunks
from .transform import parse_datetimes


def find_superseded(path: Path, profile, header: list[str], malformed: list | None = None, on_bad_row=None) -> set[int]:
    """Row numbers of the rows that lose to a later update of the same id."""
    id_col = profile.columns["service_request_id"]
    upd_col = profile.columns.get("updated_datetime") or ""
    cols = [c for c in (id_col, upd_col) if c and c in header]
    parts = []
    for raw in read_chunks(path, profile.input["format"], profile.input["encoding"], on_bad_row or (lambda *a: None),
                           delimiter=profile.input["delimiter"], columns=cols, threads=True, malformed=malformed):
        part = pd.DataFrame({"_row": raw["_row"].to_numpy(), "id": raw[id_col].str.strip().to_numpy()})
        part["updated"] = raw[upd_col].to_numpy() if upd_col in raw else ""
        parts.append(part)
    if not parts:
        return set()
    rows = pd.concat(parts, ignore_index=True)
    dup = rows["id"].duplicated(keep=False) & (rows["id"] != "")
    if not dup.any():
        return set()
    dups = rows[dup].copy()
    dups["updated"] = parse_datetimes(dups["updated"].astype("str").str.strip(), profile.input["datetime_formats"], profile.timezone)
    # rows without an update sort first (oldest); ties keep file order, so the later row wins
    winners = dups.sort_values(["id", "updated", "_row"], na_position="first", kind="stable").drop_duplicates("id", keep="last")["_row"]
    return set(np.setdiff1d(dups["_row"].to_numpy(), winners.to_numpy()).tolist())
