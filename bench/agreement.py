"""Our validator against frictionless on the same file: the same (row, field, error) triples.

The mapping from a frictionless error to our ``CellError.key``:

=====================  ===========  ======================================  ===============================
frictionless type      rowNumber    fieldName                               our key
=====================  ===========  ======================================  ===============================
type-error             n (header 1)  the field                              (n, field, "type-error")
constraint-error       n            the field; the note names the           (n, field, "constraint-error:<c>")
                                    constraint: 'constraint "<c>" is ...'
unique-error           n            the field                               (n, field, "unique-error")
primary-key            n            None                                    (n, "f1,f2", "primary-key")
missing-cell           n            the field                               (n, field, "missing-cell")
extra-cell             n            ""                                      (n, "", "extra-cell")
blank-row              n            None                                    (n, "", "blank-row")
=====================  ===========  ======================================  ===============================

Keys are compared as multisets (two extra cells in one row are two errors).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

from etl.validate import validate_csv

CONSTRAINT_NOTE = re.compile(r'^constraint "(\w+)"')
FATAL = {
    "resource-error",
    "task-error",
    "scheme-error",
    "format-error",
    "encoding-error",
    "source-error",
    "general-error",
}


def frictionless_keys(path: Path, schema: dict) -> list[tuple[int, str, str]]:
    """frictionless's errors on ``path`` checked against ``schema``, as our keys (see the table above)."""
    from frictionless import Resource, Schema, validate

    path = Path(path).resolve()  # frictionless refuses absolute paths: pass the folder as basepath
    resource = Resource(
        path=path.name, basepath=str(path.parent), schema=Schema.from_descriptor(schema), encoding="utf-8", format="csv"
    )
    report = validate(resource, limit_errors=10**9)
    broken = [e for e in report.flatten(["type", "message"]) if e[0] in FATAL]
    if report.errors or broken:  # the file could not be read (not a row or cell error): say so, never compare
        raise RuntimeError(f"frictionless could not validate {path}: {(report.errors or broken)[0]}")
    label = ",".join(schema.get("primaryKey") or [])
    keys = []
    for row, name, kind, note in report.flatten(["rowNumber", "fieldName", "type", "note"]):
        if kind == "constraint-error":
            kind = f"{kind}:{CONSTRAINT_NOTE.match(note).group(1)}"
        keys.append((row, label if kind == "primary-key" else (name or ""), kind))
    return keys


def our_keys(path: Path, schema: dict) -> list[tuple[int, str, str]]:
    return [e.key for e in validate_csv(Path(path), schema)]


def by_type(keys) -> dict[str, int]:
    """How many errors of each type (constraint errors by constraint)."""
    return dict(sorted(Counter(k[2] for k in keys).items()))


def compare(path: Path, schema: dict) -> dict:
    """Both validators on one file, timed; ``agree`` is multiset equality of the keys."""
    t0 = time.perf_counter()
    ours = our_keys(path, schema)
    t1 = time.perf_counter()
    theirs = frictionless_keys(path, schema)
    t2 = time.perf_counter()
    ours_c, theirs_c = Counter(ours), Counter(theirs)
    return {
        "file": str(path),
        "agree": ours_c == theirs_c,
        "ours_seconds": round(t1 - t0, 3),
        "frictionless_seconds": round(t2 - t1, 3),
        "errors": len(ours),
        "by_type": by_type(ours),
        "frictionless_by_type": by_type(theirs),
        "only_ours": sorted((ours_c - theirs_c).elements())[:20],
        "only_frictionless": sorted((theirs_c - ours_c).elements())[:20],
    }
