"""The data dictionary of the published tables, generated from ``schemas/*.schema.json``.

``python -m core.dictionary`` rewrites docs/data-dictionary.md; ``--check`` only says whether it
is current (a test runs the check, so the document cannot drift from the schemas).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = ROOT / "schemas"
DOC = ROOT / "docs" / "data-dictionary.md"
FIRST = "service_requests"
HEADER = """# Data dictionary

Every published table with a schema in `schemas/` (Frictionless Table Schema): each field's name,
title, type, constraints and meaning. Generated from the schemas by `python -m core.dictionary`;
do not edit by hand (a test checks that it is current). The methods behind the insight tables are
explained in [methods.md](methods.md).
"""


def schema_names() -> list[str]:
    names = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS_DIR.glob("*.schema.json"))
    return sorted(names, key=lambda n: n != FIRST)


def _constraints(field: dict) -> str:
    parts = []
    for key, value in (field.get("constraints") or {}).items():
        if value is False:
            continue
        if value is True:
            parts.append(key)
        elif isinstance(value, list):
            parts.append(f"{key}: {', '.join(f'`{v}`' for v in value)}")
        elif key == "pattern":
            parts.append(f"{key} `{value}`")
        else:
            parts.append(f"{key} {value}")
    return "; ".join(parts).replace("|", "\\|")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def schema_section(name: str) -> str:
    schema = json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    lines = [f"## `{name}`", ""]
    if schema.get("$comment"):
        lines += [schema["$comment"], ""]
    if schema.get("primaryKey"):
        lines += [f"Primary key: {', '.join(f'`{k}`' for k in schema['primaryKey'])}.", ""]
    lines += ["| Field | Title | Type | Constraints | Description |", "| --- | --- | --- | --- | --- |"]
    for f in schema["fields"]:
        lines.append(
            f"| `{f['name']}` | {_cell(f.get('title', ''))} | {f.get('type', '')} | {_constraints(f)} "
            f"| {_cell(f.get('description', ''))} |"
        )
    return "\n".join(lines) + "\n"


def dictionary_markdown() -> str:
    return "\n".join([HEADER, *(schema_section(n) for n in schema_names())])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.dictionary", description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only check that docs/data-dictionary.md is current")
    a = p.parse_args(argv)
    text = dictionary_markdown()
    if a.check:
        current = DOC.is_file() and DOC.read_text(encoding="utf-8") == text
        print(f"{DOC.name}: {'current' if current else 'out of date: run python -m core.dictionary'}")
        return 0 if current else 1
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
