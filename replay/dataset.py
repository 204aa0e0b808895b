"""An extract served as a city's live 311 system: its rows, typed columns, system fields and history.

The rows are the extract's cells as the portal's own reader gives them (so the loopback source and
the file source start from the very same text), kept column by column as Arrow strings (about
0.9 GB for a million rows of NYC's 46 columns). On top of them the dataset keeps what a live system
has and an export does not: per row a system id and an update time (Socrata's ``:id`` and
``:updated_at``), the history of status changes, and a version that every change bumps.

Dates are read with the pipeline's own parser (``etl.transform.parse_datetimes``), so an instant the
loopback source writes (an Open311 offset, an ArcGIS epoch) is the instant the pipeline would read
from the export. ``apply(changes, at)`` changes the data between two syncs (replay.changes).
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from etl.sources import read_chunks
from etl.transform import parse_datetimes

INTEGER = r"-?(?:0|[1-9]\d{0,14})"
DATE_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime")
SYSTEM = (":id", ":created_at", ":updated_at")


@dataclass(frozen=True)
class Column:
    name: str  # as the export names it
    field: str  # as the Socrata API names it (unique_key)
    kind: str  # datetime, integer, number, location or text


def field_name(name: str) -> str:
    """The API field name Socrata derives from a column name: ``Unique Key`` -> ``unique_key``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "column"


class Dataset:
    def __init__(self, frame: pd.DataFrame, profile, *, dataset_id: str = ""):
        self.profile, self.tz = profile, ZoneInfo(profile.timezone)
        self.dataset_id = dataset_id or profile.source["dataset"] or "r311-data"
        self.id_column = profile.columns["service_request_id"]
        self.lock = threading.RLock()
        self.frame = frame.reset_index(drop=True).astype("str")
        self.columns = self._columns()
        self.by_id = dict(zip(self.frame[self.id_column].tolist(), range(len(self.frame)), strict=True))
        self.history: dict[str, list[tuple[datetime, str, str]]] = {}
        self.version = 0
        self._typed: dict[str, pd.Series] = {}
        self.selections: dict[tuple, np.ndarray] = {}  # replay.query.select's cache
        self.system = self.system_fields(self.frame)

    @classmethod
    def from_file(cls, path, profile, **kw) -> Dataset:
        inp = profile.input
        chunks = read_chunks(Path(path), inp["format"], inp["encoding"], lambda *a: None, delimiter=inp["delimiter"])
        return cls(pd.concat(list(chunks), ignore_index=True).drop(columns="_row"), profile, **kw)

    def __len__(self) -> int:
        return len(self.frame)

    def row(self, index: int) -> dict[str, str]:
        return self.frame.iloc[index].to_dict()

    # --- columns and values ------------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        cols = self.profile.columns
        dates = {cols[f] for f in DATE_FIELDS if cols.get(f)}
        numbers = {cols[f] for f in ("lat", "long") if cols.get(f)}
        location = cols["location"] if cols.get("location") and cols["location_format"] == "point_text" else ""
        out, fields = [], set()
        for name in self.frame.columns:
            kind = "datetime" if name in dates else "number" if name in numbers else "text"
            values = self.frame[name][self.frame[name] != ""]
            if name == location:
                kind = "location"
            elif kind == "text" and len(values) and values.str.fullmatch(INTEGER).all():
                kind = "integer"
            field = field_name(name)
            while field in fields:
                field += "_1"
            fields.add(field)
            out.append(Column(name, field, kind))
        return out

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def parse(self, texts: pd.Series) -> pd.Series:
        """Export dates as times in the city's zone (NaT when blank or unreadable), as the pipeline reads them."""
        return parse_datetimes(
            texts.reset_index(drop=True), self.profile.input["datetime_formats"], self.profile.timezone
        )

    def moment(self, text: str):
        """One export date as a time in the city's zone, or None."""
        value = self.parse(pd.Series([text], dtype="str")).iloc[0]
        return None if pd.isna(value) else value

    def typed(self, name: str) -> pd.Series:
        """A column (or system field) as it compares: times, floats, text (NaN/NaT for missing)."""
        with self.lock:
            if name not in self._typed:
                self._typed[name] = self._typed_values(name)
            return self._typed[name]

    def _typed_values(self, name: str) -> pd.Series:
        if name == ":index":  # CKAN's _id, ArcGIS's OBJECTID
            return pd.Series(np.arange(1, len(self) + 1, dtype=float))
        if name in SYSTEM:
            return self.system[name]
        column = self.column(name)
        text = self.frame[name]
        if column is not None and column.kind == "datetime":
            return self.parse(text)
        if column is not None and column.kind in ("integer", "number"):
            return pd.to_numeric(text.where(text != ""), errors="coerce")
        return text.where(text != "")

    def system_fields(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``:id``, ``:created_at`` and ``:updated_at`` (UTC) of new rows: created is the request date,
        updated the update date (else the request date)."""
        cols = self.profile.columns
        created = self.parse(frame[cols["requested_datetime"]]).dt.tz_convert("UTC")
        updated = (
            self.parse(frame[cols["updated_datetime"]]).dt.tz_convert("UTC") if cols["updated_datetime"] else created
        )
        fallback = pd.Timestamp("2000-01-01", tz="UTC")
        updated = updated.fillna(created).fillna(fallback)
        digests = [hashlib.sha256(i.encode()).hexdigest() for i in frame[self.id_column].tolist()]
        ids = [f"row-{d[:4]}-{d[4:8]}-{d[8:12]}" for d in digests]
        return pd.DataFrame({":id": ids, ":created_at": created.fillna(updated), ":updated_at": updated})

    # --- changes -----------------------------------------------------------------------------------

    def apply(self, changes: list[dict], at: datetime) -> int:
        """Apply changes at ``at`` (aware): ``{"op": "new", "row": {...}}``, ``{"op": "status" | "close" |
        "reopen", "id": ..., "status": raw status}``. Returns the new version."""
        from .changes import apply_changes

        with self.lock:
            apply_changes(self, changes, at)
            self.changed()
            return self.version

    def text_of(self, moment: datetime) -> str:
        """A time written as the export writes dates (the profile's first datetime format)."""
        local = moment.astimezone(self.tz).replace(tzinfo=None)
        fmt = self.profile.input["datetime_formats"][0]
        return local.isoformat(timespec="seconds") if fmt == "ISO8601" else local.strftime(fmt)

    def changed(self) -> None:
        self.version += 1
        self._typed.clear()
        self.selections.clear()
