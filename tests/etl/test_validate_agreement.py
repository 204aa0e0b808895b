"""etl.validate and frictionless report exactly the same errors on files with seeded errors.

tests/fixtures/validate/: ``valid.csv`` (demo release rows), ``plants.csv`` (what is planted where),
``expected.csv`` (every error that must be reported), one seeded file per failure mode, built by
``bench.seeded``. Keys are ``(rowNumber, field, type[:constraint])`` as mapped in bench/agreement.py;
compared as multisets, then counted per type.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench import seeded
from bench.agreement import by_type, frictionless_keys, our_keys
from etl.validate import CellError, load_schema, validate_frame

SEEDED = sorted(seeded.plants())
SCHEMA = load_schema("service_requests")

EXPECTED_COUNTS = {  # file -> errors per type, counted by hand from plants.csv
    "type.csv": {"constraint-error:maximum": 1, "constraint-error:minimum": 1, "type-error": 17},
    "edge.csv": {"constraint-error:maximum": 3, "constraint-error:minimum": 1},
    "required.csv": {"constraint-error:enum": 1, "constraint-error:required": 7, "primary-key": 1},
    "enum.csv": {"constraint-error:enum": 5},
    "pattern.csv": {"constraint-error:pattern": 9},
    "length.csv": {"constraint-error:maxLength": 10, "constraint-error:pattern": 1},
    "min_length.csv": {"constraint-error:minLength": 2, "constraint-error:required": 1, "primary-key": 1},
    "range.csv": {"constraint-error:maximum": 4, "constraint-error:minimum": 5},
    "unique.csv": {
        "constraint-error:maxLength": 2,
        "constraint-error:required": 2,
        "primary-key": 6,
        "unique-error": 4,
    },
    "shape.csv": {
        "blank-row": 2,
        "constraint-error:required": 7,
        "extra-cell": 3,
        "missing-cell": 33,
        "primary-key": 2,
    },
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return seeded.build_seeded(tmp_path_factory.mktemp("seeded"))


def test_committed_seeded_files_are_built_from_valid_csv_and_plants(built):
    for name, path in built.items():
        assert path.read_bytes() == (seeded.FIXTURES / name).read_bytes(), (
            f"{name}: rebuild with python -m bench fixtures"
        )


def test_every_constraint_of_the_published_schema_is_seeded():
    kinds = {k for counts in EXPECTED_COUNTS.values() for k in counts}
    wanted = {
        "unique-error" if c == "unique" else f"constraint-error:{c}"
        for spec in SCHEMA["fields"]
        for c in spec.get("constraints", {})
    }
    assert wanted | {"type-error", "primary-key", "missing-cell", "extra-cell", "blank-row"} <= kinds


@pytest.mark.parametrize("name", SEEDED)
def test_ours_and_frictionless_report_exactly_the_expected_errors(name, built):
    schema = seeded.schema_for(name, SCHEMA)
    expected = Counter(seeded.expected()[name])
    ours = Counter(our_keys(built[name], schema))
    theirs = Counter(frictionless_keys(built[name], schema))
    assert ours == theirs, (sorted((ours - theirs).elements()), sorted((theirs - ours).elements()))
    assert ours == expected, (sorted((ours - expected).elements()), sorted((expected - ours).elements()))
    assert by_type(ours.elements()) == EXPECTED_COUNTS[name]


def test_valid_file_has_no_errors_for_either():
    path = seeded.FIXTURES / "valid.csv"
    assert our_keys(path, SCHEMA) == [] == frictionless_keys(path, SCHEMA)


def test_expected_counts_add_up_to_expected_csv():
    assert {name: by_type(keys) for name, keys in seeded.expected().items()} == EXPECTED_COUNTS


@pytest.mark.parametrize("first_row, rows", [(0, [0, 1]), (2, [2, 3])])
def test_validate_frame_numbers_rows_from_first_row(first_row, rows):
    import pandas as pd

    cells = pd.read_csv(seeded.FIXTURES / "valid.csv", dtype=str, keep_default_na=False).head(2)
    cells.loc[:, "status"] = "Open"
    errors = validate_frame(cells, SCHEMA, first_row=first_row)
    assert errors == [CellError(r, "status", "constraint-error", "enum") for r in rows]
