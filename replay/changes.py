"""Changes to a replayed dataset: what happens at the city between two syncs, and at the source's faults.

A change (``Dataset.apply``) is a dict:

- ``{"op": "new", "row": {column: text, ...}}``: a new request (its id must be new);
- ``{"op": "status", "id": ID, "status": "In Progress"}``: a status change;
- ``{"op": "close", "id": ID, "status": "Closed"}``: a closure (the close date is the change's time);
- ``{"op": "reopen", "id": ID, "status": "Open"}``: a re-opening (the close date is cleared).

Each one sets the row's update date (if the profile maps one) and its ``:updated_at`` to the time of
the change, and appends ``(time, status before, status after)`` to the request's history, which the
Open311 view shows as notes. A list of changes is applied as one batch (one write per column), so a
1% change of a million rows is quick.

The schema faults change the dataset itself, as a city's system would: ``rename_column``,
``drop_column``, and ``move_back`` (every value of a date column moved earlier, as when a source is
restored from an old backup).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from .dataset import Column, Dataset, field_name

OPS = ("new", "status", "close", "reopen")


class ChangeError(ValueError):
    """A change that cannot apply (unknown op or id, a new row with an id that exists)."""


class _Batch:
    """Cell writes collected over a list of changes, then written column by column."""

    def __init__(self, ds: Dataset):
        self.ds, self.start = ds, len(ds)
        self.cells: dict[str, dict[int, str]] = {}
        self.new: list[dict[str, str]] = []
        self.touched: list[int] = []

    def get(self, index: int, column: str) -> str:
        if index >= self.start:
            return self.new[index - self.start].get(column, "")
        return self.cells.get(column, {}).get(index, self.ds.frame[column].iat[index])

    def put(self, index: int, column: str, value: str) -> None:
        if index >= self.start:
            self.new[index - self.start][column] = value
        else:
            self.cells.setdefault(column, {})[index] = value

    def commit(self, at: datetime) -> None:
        ds = self.ds
        for column, values in self.cells.items():
            ds.frame.loc[list(values), column] = list(values.values())
        if self.new:
            for name in dict.fromkeys(k for row in self.new for k in row):
                if name not in ds.frame.columns:
                    ds.frame[name] = ""
                    ds.columns.append(Column(name, field_name(name), "text"))
            added = pd.DataFrame(self.new, columns=ds.frame.columns, dtype="str").fillna("")
            ds.system = pd.concat([ds.system, ds.system_fields(added)], ignore_index=True)
            ds.frame = pd.concat([ds.frame, added], ignore_index=True)
        ds.system.loc[self.touched, ":updated_at"] = pd.Timestamp(at).tz_convert("UTC")


def apply_changes(ds: Dataset, changes: list[dict], at: datetime) -> None:
    batch, cols = _Batch(ds), ds.profile.columns
    for change in changes:
        op = change.get("op")
        if op not in OPS:
            raise ChangeError(f"unknown op {op!r}; known: {', '.join(OPS)}")
        if op == "new":
            row = {k: str(v) for k, v in (change.get("row") or {}).items()}
            rid = row.get(ds.id_column, "")
            if not rid or rid in ds.by_id:
                raise ChangeError(f"a new request needs a new id in {ds.id_column!r}, not {rid!r}")
            batch.new.append(row)
            index = ds.by_id[rid] = batch.start + len(batch.new) - 1
            before = ""
        else:
            rid = str(change.get("id", ""))
            if rid not in ds.by_id:
                raise ChangeError(f"no request with id {rid!r}")
            index = ds.by_id[rid]
            before = batch.get(index, cols["status"])
        after = str(change.get("status") or batch.get(index, cols["status"]))
        batch.put(index, cols["status"], after)
        if cols["closed_datetime"] and op in ("close", "reopen"):
            batch.put(index, cols["closed_datetime"], ds.text_of(at) if op == "close" else "")
        if cols["updated_datetime"]:
            batch.put(index, cols["updated_datetime"], ds.text_of(at))
        batch.touched.append(index)
        ds.history.setdefault(rid, []).append((at, before, after))
    batch.commit(at)


# --- schema faults ----------------------------------------------------------------------------------


def rename_column(ds: Dataset, old: str, new: str) -> None:
    with ds.lock:
        ds.columns = [Column(new, field_name(new), c.kind) if c.name == old else c for c in ds.columns]
        ds.frame = ds.frame.rename(columns={old: new})
        ds.changed()


def drop_column(ds: Dataset, name: str) -> None:
    with ds.lock:
        ds.columns = [c for c in ds.columns if c.name != name]
        ds.frame = ds.frame.drop(columns=[name])
        ds.changed()


def move_back(ds: Dataset, name: str, seconds: float) -> None:
    """Every value of a date column (or ``:updated_at``) moved ``seconds`` earlier."""
    with ds.lock:
        shift = timedelta(seconds=seconds)
        if name.startswith(":"):
            ds.system[name] = ds.system[name] - shift
        else:
            moments = ds.parse(ds.frame[name]) - shift
            fmt = ds.profile.input["datetime_formats"][0]
            text = moments.dt.strftime("%Y-%m-%dT%H:%M:%S" if fmt == "ISO8601" else fmt)
            ds.frame[name] = text.where(moments.notna(), ds.frame[name]).astype("str")
        ds.changed()
