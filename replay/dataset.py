"""An extract served as a city's live 311 system: its rows, typed columns, system fields and history.

The rows are the extract's cells as the portal's own reader gives them (so the loopback source and
the file source start from the very same text). On top of them the dataset keeps what a live system
has and an export does not: per row a system id and an update time (Socrata's ``:id`` and
``:updated_at``), the history of status changes, and a version that every change bumps.

``apply(changes, at)`` changes the data between two syncs: new requests, status changes, closures
and re-openings. The profile says which raw column holds the id, status, dates and location, and how
the city writes its dates (the first of ``input.datetime_formats`` writes the changed dates).
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from etl.sources import read_chunks

INTEGER = re.compile(r"-?(?:0|[1-9]\d{0,14})")
DATE_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime")


@dataclass(frozen=True)
class Column:
    name: str  # as the export names it
    field: str  # as the Socrata API names it (unique_key)
    kind: str  # datetime, integer, number, location or text


def field_name(name: str) -> str:
    """The API field name Socrata derives from a column name: ``Unique Key`` -> ``unique_key``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "column"


class Dataset:
    def __init__(self, rows: list[dict[str, str]], profile, *, dataset_id: str = ""):
        self.profile, self.tz = profile, ZoneInfo(profile.timezone)
        self.dataset_id = dataset_id or profile.source["dataset"] or "r311-data"
        self.id_column = profile.columns["service_request_id"]
        self.lock = threading.RLock()
        self.rows = rows
        self.columns = self._columns()
        self.by_id = {row.get(self.id_column, ""): i for i, row in enumerate(rows)}
        self.system = [self._system(i, row) for i, row in enumerate(rows)]
        self.history: dict[str, list[tuple[datetime, str, str]]] = {}
        self.version = 0
        self._typed: dict[str, list] = {}
        self.selections: dict[tuple, list[int]] = {}  # replay.query.select's cache

    @classmethod
    def from_file(cls, path, profile, **kw) -> Dataset:
        inp, rows = profile.input, []
        chunks = read_chunks(Path(path), inp["format"], inp["encoding"], lambda *a: None, delimiter=inp["delimiter"])
        for chunk in chunks:
            rows += chunk.drop(columns="_row").to_dict("records")
        return cls(rows, profile, **kw)

    # --- columns and values ------------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        cols = self.profile.columns
        dates = {cols[f] for f in DATE_FIELDS if cols.get(f)}
        numbers = {cols[f] for f in ("lat", "long") if cols.get(f)}
        location = cols["location"] if cols.get("location") and cols["location_format"] == "point_text" else ""
        names = list(dict.fromkeys(k for row in self.rows for k in row))
        out, fields = [], set()
        for name in names:
            values = [row.get(name, "") for row in self.rows if row.get(name, "")]
            kind = "datetime" if name in dates else "number" if name in numbers else "text"
            if name == location:
                kind = "location"
            elif kind == "text" and values and all(INTEGER.fullmatch(v) for v in values):
                kind = "integer"
            field = field_name(name)
            while field in fields:
                field += "_1"
            fields.add(field)
            out.append(Column(name, field, kind))
        return out

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def moment(self, text: str) -> datetime | None:
        """An export date as an aware time in the city's zone (None when blank or unreadable)."""
        if not text:
            return None
        for fmt in self.profile.input["datetime_formats"]:
            try:
                naive = datetime.fromisoformat(text) if fmt == "ISO8601" else datetime.strptime(text, fmt)
            except ValueError:
                continue
            return naive.replace(tzinfo=self.tz) if naive.tzinfo is None else naive.astimezone(self.tz)
        return None

    def typed(self, name: str) -> list:
        """Every row's value of a column (or system field) as it compares: aware times, floats, text."""
        with self.lock:
            if name not in self._typed:
                self._typed[name] = self._typed_values(name)
            return self._typed[name]

    def _typed_values(self, name: str) -> list:
        if name == ":index":  # CKAN's _id, ArcGIS's OBJECTID
            return [float(i + 1) for i in range(len(self.rows))]
        if name.startswith(":"):
            return [s.get(name) for s in self.system]
        column = self.column(name)
        kind = column.kind if column else "text"
        out = []
        for row in self.rows:
            text = row.get(name, "")
            if not text:
                out.append(None)
            elif kind == "datetime":
                out.append(self.moment(text))
            elif kind in ("integer", "number"):
                out.append(float(text) if _is_number(text) else None)
            else:
                out.append(text)
        return out

    def _system(self, index: int, row: dict) -> dict:
        cols = self.profile.columns
        created = self.moment(row.get(cols["requested_datetime"], ""))
        updated = self.moment(row.get(cols["updated_datetime"], "")) if cols["updated_datetime"] else None
        digest = hashlib.sha256(row.get(self.id_column, str(index)).encode()).hexdigest()
        stamp = (updated or created or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC)
        return {
            ":id": f"row-{digest[:4]}-{digest[4:8]}-{digest[8:12]}",
            ":created_at": (created or stamp).astimezone(UTC),
            ":updated_at": stamp,
        }

    # --- changes -----------------------------------------------------------------------------------

    def apply(self, changes: list[dict], at: datetime) -> int:
        """Apply changes at ``at`` (aware): ``{"op": "new", "row": {...}}``, ``{"op": "status" | "close" |
        "reopen", "id": ..., "status": raw status}``. Returns the new version."""
        from .changes import apply_change

        with self.lock:
            for change in changes:
                apply_change(self, change, at)
            self._changed()
            return self.version

    def text_of(self, moment: datetime) -> str:
        """A time written as the export writes dates (the profile's first datetime format)."""
        local = moment.astimezone(self.tz).replace(tzinfo=None)
        fmt = self.profile.input["datetime_formats"][0]
        return local.isoformat(timespec="seconds") if fmt == "ISO8601" else local.strftime(fmt)

    def _changed(self) -> None:
        self.version += 1
        self._typed.clear()
        self.selections.clear()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
