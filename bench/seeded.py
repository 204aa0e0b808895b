"""Files with seeded errors: a valid published CSV with planted cells, and the errors they must cause.

Everything is data in ``tests/fixtures/validate/``:

* ``valid.csv``: the first rows of the demo city's published ``service_requests.csv`` (no errors);
* ``plants.csv``: ``file,row,field,value``: in ``file``, set ``field`` of data row ``row``
  (frictionless numbering: the header is row 1) to ``value``. ``field`` ``*`` changes the row's
  shape: ``truncate:K`` keeps its first K cells, ``extra:K`` appends K cells, ``blank`` makes it an
  empty line. A value ``@copy:R`` is the same field's value in row R (a duplicate);
* ``expected.csv``: ``file,row,field,error``: every error both validators must report;
* ``schema_overrides.json``: constraints changed for one file (``minLength: 1`` cannot fail when
  ``""`` is a missing value, so ``min_length.csv`` is checked with a longer minimum).

``build_seeded`` writes the seeded files; ``tile`` repeats them through a large CSV for the
benchmark (``python -m bench validate``), with the expected errors moved along.
"""

from __future__ import annotations

import copy
import csv
import json
from collections import defaultdict
from itertools import islice
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "validate"


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for row in rows:
            if row:
                writer.writerow(row)
            else:
                fh.write("\n")  # csv.writer would write "" for an empty list
    return path


def plants(fixtures: Path = FIXTURES) -> dict[str, list[dict]]:
    by_file = defaultdict(list)
    with open(fixtures / "plants.csv", encoding="utf-8", newline="") as fh:
        for p in csv.DictReader(fh):
            by_file[p["file"]].append({**p, "row": int(p["row"])})
    return dict(by_file)


def expected(fixtures: Path = FIXTURES) -> dict[str, list[tuple[int, str, str]]]:
    """``{file: [(row, field, error), ...]}`` (every seeded file appears, maybe with no errors)."""
    out = {name: [] for name in plants(fixtures)}
    with open(fixtures / "expected.csv", encoding="utf-8", newline="") as fh:
        for e in csv.DictReader(fh):
            out.setdefault(e["file"], []).append((int(e["row"]), e["field"], e["error"]))
    return out


def schema_for(name: str, schema: dict, fixtures: Path = FIXTURES) -> dict:
    """The schema a seeded file is checked against (the published one, with that file's overrides)."""
    overrides = json.loads((fixtures / "schema_overrides.json").read_text(encoding="utf-8")).get(name, {})
    out = copy.deepcopy(schema)
    for spec in out["fields"]:
        spec.setdefault("constraints", {}).update(overrides.get(spec["name"], {}))
    return out


def apply_plants(rows: list[list[str]], planted: list[dict], offset: int = 0) -> list[list[str]]:
    """Plant into ``rows`` (header first) in place; ``offset`` moves every row number (tiling)."""
    header = rows[0]
    for p in planted:
        i = p["row"] - 1 + offset  # rows[0] is the header = row 1
        field, value = p["field"], p["value"]
        if field == "*":
            op, _, arg = value.partition(":")
            if op == "truncate":
                rows[i] = rows[i][: int(arg)]
            elif op == "extra":
                rows[i] = rows[i] + ["extra"] * int(arg)
            else:  # blank
                rows[i] = []
            continue
        col = header.index(field)
        if value.startswith("@copy:"):
            value = rows[int(value.removeprefix("@copy:")) - 1 + offset][col]
        rows[i][col] = value
    return rows


def build_seeded(out_dir: Path, fixtures: Path = FIXTURES) -> dict[str, Path]:
    """Write every seeded file (``valid.csv`` + its plants) into ``out_dir``; returns {name: path}."""
    base = read_rows(fixtures / "valid.csv")
    return {
        name: write_rows(out_dir / name, apply_plants(copy.deepcopy(base), planted))
        for name, planted in plants(fixtures).items()
    }


def _repeats_across_blocks(planted: list[dict], offset: int, earlier: set, found: set) -> list[tuple[int, str, str]]:
    """A literal id planted again in a later block repeats the earlier one: unique-error and primary-key there too."""
    from etl.validate import load_schema

    schema = load_schema()
    pk = schema.get("primaryKey") or []
    unique = {f["name"] for f in schema["fields"] if f.get("constraints", {}).get("unique")}
    literal = [p for p in planted if p["field"] in unique | set(pk) and p["value"] and not p["value"].startswith("@")]
    extra = []
    for p in literal:
        if (p["field"], p["value"]) not in earlier:
            continue
        row = p["row"] + offset
        keys = [(row, p["field"], "unique-error")] if p["field"] in unique else []
        keys += [(row, ",".join(pk), "primary-key")] if pk == [p["field"]] else []
        extra += [k for k in keys if k not in found]
        found.update(keys)
    earlier.update((p["field"], p["value"]) for p in literal)
    return extra


def tile(
    big_csv: Path,
    out_csv: Path,
    every: int,
    fixtures: Path = FIXTURES,
    names: tuple[str, ...] = (
        "type.csv",
        "edge.csv",
        "required.csv",
        "enum.csv",
        "pattern.csv",
        "length.csv",
        "range.csv",
        "unique.csv",
        "shape.csv",
    ),
) -> list[tuple[int, str, str]]:
    """Plant the seeded files' errors (published schema only) into ``big_csv`` every ``every`` rows.

    Block k holds data rows ``k*every + 2 ...``; its first rows get the plants of
    ``names[k % len(names)]``. Streams the file; returns the expected errors of the whole file.
    """
    planted, wanted = plants(fixtures), expected(fixtures)
    span = len(read_rows(fixtures / "valid.csv")) - 1  # data rows a seeded file uses
    if every < span:
        raise ValueError(f"every={every} must be at least {span}")
    errors: list[tuple[int, str, str]] = []
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with open(big_csv, encoding="utf-8", newline="") as fin, open(out_csv, "w", encoding="utf-8", newline="") as fout:
        reader = csv.reader(fin)
        header = next(reader)
        writer = csv.writer(fout, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        k, earlier = 0, set()
        while block := list(islice(reader, every)):
            if len(block) >= span:
                name = names[k % len(names)]
                block[:span] = apply_plants([header, *block[:span]], planted[name])[1:]
                found = [(r + k * every, f, e) for r, f, e in wanted[name]]
                errors += found + _repeats_across_blocks(planted[name], k * every, earlier, set(found))
            for row in block:
                writer.writerow(row) if row else fout.write("\n")
            k += 1
    return errors
