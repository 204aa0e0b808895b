"""docs/data-dictionary.md is generated from schemas/ and cannot drift from it."""

from __future__ import annotations

import json

from core import dictionary


def test_data_dictionary_doc_is_current():
    assert dictionary.main(["--check"]) == 0, "run: .venv/bin/python -m core.dictionary"


def test_every_schema_and_field_is_in_the_dictionary():
    names = dictionary.schema_names()
    assert names[0] == "service_requests"
    assert {"rising_cells", "citywide_surges", "fair_comparison", "completion_estimates", "repeat_locations"} <= set(
        names
    )
    text = dictionary.dictionary_markdown()
    for name in names:
        section = text.split(f"## `{name}`\n", 1)[1].split("\n## ", 1)[0]
        schema = json.loads((dictionary.SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert [r.split("`")[1] for r in rows] == [f["name"] for f in schema["fields"]]


def test_constraints_are_shown_in_words():
    section = dictionary.schema_section("fair_comparison")
    row = next(line for line in section.splitlines() if line.startswith("| `verdict`"))
    assert row.startswith(
        "| `verdict` | Verdict | string | required; enum: `slower`, `faster`, `as_expected`, `too_few` | "
    )
    row = next(
        line for line in dictionary.schema_section("service_requests").splitlines() if "`updated_datetime`" in line
    )
    assert row.startswith("| `updated_datetime` | Last updated | datetime |  | ")  # required: false says nothing
