"""Changes to a replayed dataset: what happens at the city between two syncs, and at the source's faults.

A change (``Dataset.apply``) is a dict:

- ``{"op": "new", "row": {column: text, ...}}``: a new request (its id must be new);
- ``{"op": "status", "id": ID, "status": "In Progress"}``: a status change;
- ``{"op": "close", "id": ID, "status": "Closed"}``: a closure (the close date is the change's time);
- ``{"op": "reopen", "id": ID, "status": "Open"}``: a re-opening (the close date is cleared).

Each one sets the row's update date (if the profile maps one) and its ``:updated_at`` to the time of
the change, and appends ``(time, status before, status after)`` to the request's history, which the
Open311 view shows as notes.

The schema faults change the dataset itself, as a city's system would: ``rename_column``,
``drop_column``, and ``move_back`` (every value of a date column moved earlier, as when a source is
restored from an old backup).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .dataset import Column, Dataset, field_name

OPS = ("new", "status", "close", "reopen")


class ChangeError(ValueError):
    """A change that cannot apply (unknown op or id, a new row with an id that exists)."""


def apply_change(ds: Dataset, change: dict, at: datetime) -> None:
    op = change.get("op")
    if op not in OPS:
        raise ChangeError(f"unknown op {op!r}; known: {', '.join(OPS)}")
    if op == "new":
        _new(ds, dict(change.get("row") or {}), at)
        return
    rid = str(change.get("id", ""))
    if rid not in ds.by_id:
        raise ChangeError(f"no request with id {rid!r}")
    row = ds.rows[ds.by_id[rid]]
    cols = ds.profile.columns
    before, after = row.get(cols["status"], ""), str(change.get("status") or row.get(cols["status"], ""))
    row[cols["status"]] = after
    if cols["closed_datetime"] and op in ("close", "reopen"):
        row[cols["closed_datetime"]] = ds.text_of(at) if op == "close" else ""
    _touch(ds, ds.by_id[rid], at)
    ds.history.setdefault(rid, []).append((at, before, after))


def _new(ds: Dataset, row: dict, at: datetime) -> None:
    rid = row.get(ds.id_column, "")
    if not rid or rid in ds.by_id:
        raise ChangeError(f"a new request needs a new id in {ds.id_column!r}, not {rid!r}")
    for name in row:
        if ds.column(name) is None:
            ds.columns.append(Column(name, field_name(name), "text"))
    ds.rows.append({c.name: str(row.get(c.name, "")) for c in ds.columns})
    index = len(ds.rows) - 1
    ds.by_id[rid] = index
    ds.system.append(ds._system(index, ds.rows[index]))
    _touch(ds, index, at)
    ds.history.setdefault(rid, []).append((at, "", row.get(ds.profile.columns["status"], "")))


def _touch(ds: Dataset, index: int, at: datetime) -> None:
    updated = ds.profile.columns["updated_datetime"]
    if updated:
        ds.rows[index][updated] = ds.text_of(at)
    ds.system[index][":updated_at"] = at.astimezone(ds.system[index][":updated_at"].tzinfo)


# --- schema faults ----------------------------------------------------------------------------------


def rename_column(ds: Dataset, old: str, new: str) -> None:
    with ds.lock:
        ds.columns = [Column(new, field_name(new), c.kind) if c.name == old else c for c in ds.columns]
        for row in ds.rows:
            if old in row:
                row[new] = row.pop(old)
        ds._changed()


def drop_column(ds: Dataset, name: str) -> None:
    with ds.lock:
        ds.columns = [c for c in ds.columns if c.name != name]
        for row in ds.rows:
            row.pop(name, None)
        ds._changed()


def move_back(ds: Dataset, name: str, seconds: float) -> None:
    """Every value of a date column (or ``:updated_at``) moved ``seconds`` earlier."""
    with ds.lock:
        shift = timedelta(seconds=seconds)
        if name.startswith(":"):
            for s in ds.system:
                s[name] = s[name] - shift
        else:
            for row in ds.rows:
                moment = ds.moment(row.get(name, ""))
                if moment is not None:
                    row[name] = ds.text_of(moment - shift)
        ds._changed()
