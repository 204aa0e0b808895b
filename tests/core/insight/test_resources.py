"""The insight tables as resources: schemas complete, columns exactly the schema's fields, and
files written by ``resources.write_csv`` valid for the real frictionless CLI (demo city)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core import insight
from core.insight import resources

FRICTIONLESS = Path(sys.executable).parent / "frictionless"


@pytest.mark.parametrize("name", resources.RESOURCES)
def test_schema_fields_are_complete_and_named_like_the_published_fields(name):
    schema = resources.load_schema(name)
    assert schema["missingValues"] == [""]
    assert set(schema["primaryKey"]) <= set(resources.field_names(name))
    for field in schema["fields"]:
        assert set(field) == {"name", "title", "type", "description", "constraints"}, field["name"]
        assert field["title"] and field["description"].endswith(".") and field["constraints"], field["name"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"])
        assert (field["type"] == "datetime") == field["name"].endswith("_datetime"), field["name"]


def test_every_resource_is_listed():
    assert set(insight.SCHEMAS) == set(resources.RESOURCES)
    assert {f"{n}.schema.json" for n in resources.RESOURCES} == set(insight.SCHEMAS.values())
    assert all((resources.SCHEMAS_DIR / f).is_file() for f in insight.SCHEMAS.values())


def _tables(demo) -> dict[str, pd.DataFrame]:
    frame, targets = demo.requests(), demo.targets()
    as_of = pd.Timestamp("2026-11-01T00:00:00+00:00")
    return {
        "rising_cells": insight.rising_cells(frame, as_of),
        "citywide_surges": insight.citywide_surges(frame, as_of),
        "fair_comparison": insight.fair_comparison(frame, targets, as_of),
        "completion_estimates": insight.completion_estimates(frame, targets, as_of),
        "repeat_locations": insight.repeat_locations(frame, as_of),
    }


def test_demo_tables_validate_with_the_frictionless_cli(demo, tmp_path):
    tables = _tables(demo)
    counts = {name: len(t) for name, t in tables.items()}
    assert all(counts[n] > 0 for n in ("rising_cells", "citywide_surges", "fair_comparison", "completion_estimates"))
    package = {"name": "insight-check", "resources": []}
    for name, table in tables.items():
        assert list(table.columns) == resources.field_names(name)
        resources.write_csv(table, name, tmp_path / f"{name}.csv")
        package["resources"].append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "schema": resources.load_schema(name),
            }
        )
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    done = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", str(tmp_path / "datapackage.json")], capture_output=True, text=True
    )
    report = json.loads(done.stdout)
    assert report["valid"], [e["message"] for t in report["tasks"] for e in t["errors"]][:5]
    assert {t["name"]: t["stats"].get("rows", 0) for t in report["tasks"]} == counts


def test_write_csv_cells(tmp_path):
    table = pd.DataFrame(
        {
            "requested_datetime": pd.to_datetime(["2024-03-10 01:30", None]).tz_localize("America/Chicago"),
            "overdue": [True, False],
            "similar_closed": [3, 0],
            "age_days": [0.1, float("nan")],
        }
    )
    text = resources._text
    assert text(table["requested_datetime"], "datetime").tolist() == ["2024-03-10T01:30:00-06:00", ""]
    assert text(table["overdue"], "boolean").tolist() == ["true", "false"]
    assert text(table["similar_closed"], "integer").tolist() == ["3", "0"]
    assert text(table["age_days"], "number").tolist() == ["0.1", ""]
    with pytest.raises(ValueError, match="rising_cells: the columns"):
        resources.as_text(table, "rising_cells")
