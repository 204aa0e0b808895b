"""Vectorised checks of rows against a Frictionless Table Schema.

The checks and their error names follow frictionless so that both report the same
(row, field, error) triples on the same file: ``type-error``, ``constraint-error`` (with the
constraint: required, enum, pattern, minLength, maxLength, minimum, maximum, unique) and
``primary-key``. ``validate_frame`` runs on the text cells as they are written to the CSV.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


@lru_cache(maxsize=None)
def load_schema(name: str = "service_requests") -> dict:
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def field_names(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"]]


@dataclass(frozen=True)
class CellError:
    row: int          # 1-based data row number in the checked file/frame (the header is row 0)
    field: str
    error: str        # type-error | constraint-error | primary-key
    constraint: str   # which constraint, or "" for type errors and primary-key

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.row, self.field, self.error if not self.constraint else f"{self.error}:{self.constraint}")


NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$")


def _type_ok(cells: pd.Series, ftype: str) -> pd.Series:
    if ftype == "string":
        return pd.Series(True, index=cells.index)
    if ftype == "number":
        return cells.str.match(NUMBER) | cells.isin(["NaN", "INF", "-INF", "nan", "inf", "-inf"])
    if ftype == "integer":
        return cells.str.match(r"^[+-]?\d+$")
    if ftype == "datetime":
        shaped = cells.str.match(DATETIME)
        parsed = pd.to_datetime(cells.where(shaped), format="ISO8601", errors="coerce", utc=True)
        return shaped & parsed.notna()
    raise ValueError(f"unsupported field type {ftype}")


def validate_frame(cells: pd.DataFrame, schema: dict, first_row: int = 1, seen_ids: set | None = None) -> list[CellError]:
    """Check text cells ('' = missing) column by column. ``seen_ids`` carries uniqueness across chunks."""
    errors: list[CellError] = []
    rows = np.arange(first_row, first_row + len(cells))
    missing_values = set(schema.get("missingValues", [""]))
    for spec in schema["fields"]:
        name, ftype, cons = spec["name"], spec.get("type", "string"), spec.get("constraints", {})
        col = cells[name] if name in cells else pd.Series("", index=cells.index)
        missing = col.isin(missing_values)
        present = ~missing
        if cons.get("required"):
            errors += [CellError(int(r), name, "constraint-error", "required") for r in rows[missing.to_numpy()]]
        type_ok = _type_ok(col, ftype) | missing
        errors += [CellError(int(r), name, "type-error", "") for r in rows[(~type_ok).to_numpy()]]
        check = present & type_ok
        value = col if ftype in ("string", "datetime") else pd.to_numeric(col.where(check), errors="coerce")
        for constraint, bad in _constraint_failures(value, cons, check, ftype):
            errors += [CellError(int(r), name, "constraint-error", constraint) for r in rows[bad.to_numpy()]]
    errors += _unique_errors(cells, schema, rows, seen_ids)
    return sorted(errors, key=lambda e: (e.row, e.field))


def _constraint_failures(value: pd.Series, cons: dict, check: pd.Series, ftype: str):
    if "enum" in cons:
        yield "enum", check & ~value.isin([str(v) for v in cons["enum"]] if ftype == "string" else cons["enum"])
    if "pattern" in cons:
        yield "pattern", check & ~value.str.fullmatch(cons["pattern"]).fillna(False).astype(bool)
    if "minLength" in cons:
        yield "minLength", check & (value.str.len() < cons["minLength"])
    if "maxLength" in cons:
        yield "maxLength", check & (value.str.len() > cons["maxLength"])
    if "minimum" in cons and ftype != "string":
        yield "minimum", check & (value < cons["minimum"])
    if "maximum" in cons and ftype != "string":
        yield "maximum", check & (value > cons["maximum"])


def _unique_errors(cells: pd.DataFrame, schema: dict, rows: np.ndarray, seen_ids: set | None) -> list[CellError]:
    out = []
    pk = schema.get("primaryKey", [])
    for spec in schema["fields"]:
        if not spec.get("constraints", {}).get("unique"):
            continue
        name = spec["name"]
        col = cells[name]
        dup = col.duplicated() & (col != "")
        if seen_ids is not None:
            dup |= col.isin(seen_ids)
            seen_ids.update(col[col != ""])
        out += [CellError(int(r), name, "constraint-error", "unique") for r in rows[dup.to_numpy()]]
        if pk == [name]:
            out += [CellError(int(r), name, "primary-key", "") for r in rows[dup.to_numpy()]]
    return out


def validate_csv(path: Path, schema: dict, chunk_rows: int = 200_000) -> list[CellError]:
    """Validate a published CSV file in chunks (all cells read as text, as frictionless reads them)."""
    errors: list[CellError] = []
    seen: set = set()
    first = 1
    for chunk in pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunk_rows, encoding="utf-8"):
        errors += validate_frame(chunk, schema, first, seen)
        first += len(chunk)
    return errors
