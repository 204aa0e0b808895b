"""Vectorised checks of text cells against a Frictionless Table Schema, agreeing with frictionless.

On the same file, ``validate_csv`` reports exactly the (row, field, error) triples that
``frictionless validate`` (v5) reports; tests/etl/test_validate_agreement.py holds both to it on
files with seeded errors of every kind. What frictionless does, and so what we do:

* **Rows** are numbered as frictionless's ``rowNumber``: the header is row 1, the first data row
  2; a blank line counts, a quoted multi-line cell does not (rows are CSV records).
  ``validate_frame`` numbers the frame's rows from ``first_row`` (the ETL passes 0: positions).
* **Missing**: a cell equal to one of ``missingValues`` (no trimming), or absent from a short row.
* **number**: ``Decimal(cell.strip())``, so ``' 5'``, ``'1e3'``, ``'1_000'``, ``'NaN'``, ``'-Infinity'``
  and non-ASCII digits are numbers; NaN fails every bound; ``'0x10'``, ``'1,5'`` are type errors.
  **integer**: ``int(cell.strip())``. **datetime**: at least 19 characters, ``':'`` at index 16,
  and ``dateutil`` ``isoparse``: the offset is optional, ``'24:00:00'`` is midnight, a date alone,
  ``'2024-01-01T10:00'`` or a leading space are type errors.
* A cell with a type error is not checked against its constraints and counts as missing for
  unique and primary key. ``pattern`` is ``re.match('^' + pattern + '$')``: a trailing newline passes.
* **unique**: ``unique-error`` on each later repeat of a present value. **primaryKey**: ``primary-key``
  on each later repeat, and on a row whose key cells are all missing. A duplicated id that is both
  unique and the key gets both errors.
* **Row shape**: ``missing-cell`` per absent cell (plus ``required`` where it applies),
  ``extra-cell`` per cell past the schema's fields; a row whose every field is missing gets only
  ``blank-row`` (and ``primary-key``).

A common cell of each type is checked by a vectorised fast path that accepts only values the
exact rule accepts; every other present cell goes through the exact rule (the same Python call
frictionless makes), so the result is exact and a published file costs no per-cell Python.
"""

from __future__ import annotations

import csv
import json
import operator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.parser import isoparse

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
# Fast paths (full matches: no "$ before a trailing newline"); each accepts only what the exact rule accepts.
NUMBER_FAST = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
INTEGER_FAST = r"[+-]?[0-9]{1,15}"
DATETIME_FAST = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
)
BOUNDS = {
    "minimum": operator.lt,
    "maximum": operator.gt,
    "exclusiveMinimum": operator.le,
    "exclusiveMaximum": operator.ge,
}  # failure tests
CHECKED = {
    "string": {"required", "unique", "enum", "pattern", "minLength", "maxLength"},
    "number": {"required", "unique", "enum", *BOUNDS},
    "integer": {"required", "unique", "enum", *BOUNDS},
    "datetime": {"required"},
}


@cache
def load_schema(name: str = "service_requests") -> dict:
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def field_names(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"]]


@dataclass(frozen=True)
class CellError:
    row: int  # frictionless rowNumber in validate_csv (header = 1); first_row-based in validate_frame
    field: str  # the field; for primary-key the key's fields joined by ","; "" for extra-cell, blank-row
    error: str  # frictionless error type: type-error, constraint-error, unique-error, primary-key,
    #                   missing-cell, extra-cell, blank-row
    constraint: str = ""  # for constraint-error: required, enum, pattern, minLength, maxLength, minimum, ...

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.row, self.field, f"{self.error}:{self.constraint}" if self.constraint else self.error)


def _exact_number(cell: str, integer: bool):
    """The value frictionless reads from a number/integer cell, or None (a type error)."""
    try:
        return int(cell.strip()) if integer else Decimal(cell.strip())
    except Exception:  # noqa: BLE001 - exactly frictionless's rule: anything that does not cast
        return None


def _exact_datetime_ok(cell: str) -> bool:
    try:
        return cell[16] == ":" and len(cell) >= 19 and isoparse(cell) is not None
    except Exception:  # noqa: BLE001
        return False


def _cast(col: pd.Series, present: pd.Series, ftype: str) -> tuple[pd.Series, pd.Series, dict]:
    """(type ok, fast numeric values, {index: exact value} for cells off the fast path)."""
    if ftype == "string":
        return pd.Series(True, index=col.index), col, {}
    if ftype not in CHECKED:
        raise ValueError(f"etl.validate does not check fields of type {ftype!r}")
    pattern = {"number": NUMBER_FAST, "integer": INTEGER_FAST, "datetime": DATETIME_FAST}[ftype]
    fast = present & col.str.fullmatch(pattern).fillna(False).astype(bool)
    if ftype == "datetime":
        day = pd.to_datetime(col.where(fast).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
        fast &= day.notna()
        values = col
    else:
        values = pd.to_numeric(col.where(fast), errors="coerce")
        fast &= values.notna()
    ok, exact = fast.copy(), {}
    for i, cell in col[present & ~fast].items():
        if ftype == "datetime":
            ok[i] = _exact_datetime_ok(cell)
        else:
            exact[i] = _exact_number(cell, ftype == "integer")
            ok[i] = exact[i] is not None
    return ok, values, exact


def _bound_failures(
    col: pd.Series, values: pd.Series, exact: dict, check: pd.Series, name: str, limit, integer: bool
) -> pd.Series:
    """Cells outside the bound: float comparison, and the exact value where the float equals the bound."""
    bound = Decimal(str(limit))
    compare = BOUNDS[name]
    with np.errstate(invalid="ignore"):
        bad = pd.Series(compare(values.to_numpy(dtype=float, na_value=np.nan), float(bound)), index=col.index) & check
    tie = check & (values == float(bound))
    for i in col[tie].index.union(pd.Index(list(exact))):
        if not check[i]:
            continue
        value = exact[i] if i in exact else _exact_number(col[i], integer)
        bad[i] = (isinstance(value, Decimal) and value.is_nan()) or bool(compare(value, bound))  # NaN fails every bound
    return bad


def _constraint_failures(col, values, exact, cons: dict, check: pd.Series, ftype: str):
    if "enum" in cons:
        if ftype == "string":
            yield "enum", check & ~col.isin([str(v) for v in cons["enum"]])
        else:
            allowed = {_exact_number(str(v), ftype == "integer") for v in cons["enum"]}
            yield (
                "enum",
                check
                & col.map(
                    lambda c: _exact_number(c, ftype == "integer") not in allowed if isinstance(c, str) else False
                ),
            )
    if "pattern" in cons:
        # frictionless: re.match("^" + pattern + "$"), Python's re (object dtype: never pyarrow's RE2)
        yield "pattern", check & ~col.astype(object).str.match("^" + cons["pattern"] + "$").fillna(False).astype(bool)
    if "minLength" in cons:
        yield "minLength", check & (col.str.len() < cons["minLength"])
    if "maxLength" in cons:
        yield "maxLength", check & (col.str.len() > cons["maxLength"])
    for name in BOUNDS:
        if name in cons:
            yield name, _bound_failures(col, values, exact, check, name, cons[name], ftype == "integer")


def validate_frame(cells: pd.DataFrame, schema: dict, first_row: int = 1, seen: dict | None = None) -> list[CellError]:
    """Check text cells ('' = missing, None/NaN = absent from a short row) field by field.

    ``seen`` ({field or key: set of values}) carries unique and primary-key values across chunks.
    """
    rows = np.arange(first_row, first_row + len(cells))
    missing_values = list(schema.get("missingValues", [""]))
    fields = schema["fields"]
    absent, missing, ok = {}, {}, {}
    for spec in fields:
        name = spec["name"]
        col = cells[name] if name in cells else pd.Series(None, index=cells.index, dtype=object)
        absent[name] = col.isna()
        missing[name] = absent[name] | col.isin(missing_values)
    blank = np.logical_and.reduce([m.to_numpy() for m in missing.values()]) if fields else np.zeros(len(cells), bool)
    live = pd.Series(~blank, index=cells.index)
    found: list[tuple[int, int, CellError]] = [(int(r), -1, CellError(int(r), "", "blank-row")) for r in rows[blank]]
    for pos, spec in enumerate(fields):
        name, ftype, cons = spec["name"], spec.get("type", "string"), spec.get("constraints", {})
        unknown = set(cons) - CHECKED.get(ftype, set())
        if unknown:
            raise ValueError(f"etl.validate does not check {sorted(unknown)} on {ftype} field {name!r}")
        col = cells[name].where(~absent[name], "") if name in cells else pd.Series("", index=cells.index, dtype=object)
        present = ~missing[name]
        type_ok, values, exact = _cast(col, present, ftype)
        ok[name] = present & type_ok
        emit = [(live & absent[name], "missing-cell", ""), (live & present & ~type_ok, "type-error", "")]
        if cons.get("required"):
            emit.append((live & missing[name], "constraint-error", "required"))
        emit += [
            (live & bad, "constraint-error", c)
            for c, bad in _constraint_failures(col, values, exact, cons, ok[name], ftype)
        ]
        for mask, error, constraint in emit:
            found += [(int(r), pos, CellError(int(r), name, error, constraint)) for r in rows[mask.to_numpy()]]
    found += _key_errors(cells, schema, rows, ok, seen)
    return [e for _, _, e in sorted(found, key=lambda t: (t[0], t[1]))]


def _repeats(keys: pd.Series, known: pd.Series, seen: dict | None, slot: str) -> np.ndarray:
    """Rows whose (known) key appeared earlier in this frame or in an earlier chunk (``seen``)."""
    dup = (keys.duplicated() & known).to_numpy()
    if seen is not None:
        before = seen.setdefault(slot, set())
        dup = dup | (np.fromiter((k in before for k in keys), bool, len(keys)) & known.to_numpy())
        before.update(keys[known])
    return dup


def _key_errors(cells: pd.DataFrame, schema: dict, rows: np.ndarray, ok: dict, seen: dict | None) -> list:
    out = []
    fields = schema["fields"]
    for pos, spec in enumerate(fields):
        if not spec.get("constraints", {}).get("unique"):
            continue
        if spec.get("type", "string") != "string":
            raise ValueError(f"etl.validate checks unique only on string fields, not {spec['name']!r}")
        name = spec["name"]
        dup = _repeats(cells[name], ok[name], seen, name)
        out += [(int(r), pos, CellError(int(r), name, "unique-error")) for r in rows[dup]]
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else list(pk)
    if pk:
        if any(f.get("type", "string") != "string" for f in fields if f["name"] in pk):
            raise ValueError("etl.validate checks primary keys made of string fields only")
        known = np.logical_or.reduce([ok[n].to_numpy() for n in pk])
        keys = (
            cells[pk[0]]
            if len(pk) == 1
            else pd.Series(list(zip(*[cells[n].where(ok[n], None) for n in pk])), index=cells.index)
        )
        dup = _repeats(keys, pd.Series(known, index=cells.index), seen, "\x00primaryKey")
        label = ",".join(pk)
        out += [(int(r), len(fields), CellError(int(r), label, "primary-key")) for r in rows[dup | ~known]]
    return out


def validate_csv(path: Path, schema: dict, chunk_rows: int = 200_000) -> list[CellError]:
    """Validate a CSV file in chunks, reading records as frictionless does (Python's csv module, all text).

    The header must be the schema's field names in order (a ValueError says how it differs).
    """
    names = field_names(schema)
    errors: list[CellError] = []
    seen: dict = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != names:
            raise ValueError(
                f"{path}: the header is not the schema's fields in order "
                f"(missing {sorted(set(names) - set(header or []))}, extra {sorted(set(header or []) - set(names))})"
            )
        first = 2
        while block := list(islice(reader, chunk_rows)):
            errors += _validate_block(block, names, schema, first, seen)
            first += len(block)
    return errors


def _validate_block(block: list[list[str]], names: list[str], schema: dict, first: int, seen: dict) -> list[CellError]:
    n = len(names)
    extra = []
    if any(len(r) != n for r in block):
        for i, r in enumerate(block):
            if len(r) > n and any(c not in schema.get("missingValues", [""]) for c in r[:n]):
                extra += [CellError(first + i, "", "extra-cell")] * (len(r) - n)
        block = [r[:n] + [None] * (n - len(r)) for r in block]
    frame = (
        pd.DataFrame(dict(zip(names, map(list, zip(*block)))), index=range(len(block)))
        if block
        else pd.DataFrame(columns=names)
    )
    found = validate_frame(frame, schema, first, seen)
    if extra:
        found = sorted(found + extra, key=lambda e: e.row)
    return found
