"""schemas/: a Frictionless Table Schema file for each table the ETL publishes, embedded in
datapackage.json as it is, every field with a title, a description and a type (the data
dictionary, docs/data-dictionary.md, is generated from them: tests/core/test_dictionary.py)."""

from __future__ import annotations

import json

import pytest
from etl_testkit import REPO

from etl.validate import load_schema

TABLES = {"service_requests": "service_requests", "service_types": "service_types", "changes": "changes"}


def test_schemas_folder_holds_a_file_for_each_table_the_etl_publishes():
    assert {f"{name}.schema.json" for name in TABLES} <= {p.name for p in (REPO / "schemas").glob("*.schema.json")}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_field_is_described(name):
    schema = load_schema(name)
    assert schema["missingValues"] == [""]
    for field in schema["fields"]:
        assert (
            field["title"]
            and field["description"]
            and field["type"] in ("string", "number", "integer", "boolean", "datetime")
        ), field
    names = [f["name"] for f in schema["fields"]]
    assert len(names) == len(set(names)) and set(schema["primaryKey"]) <= set(names)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_package_embeds_each_schema_file_as_it_is(tiny_release, name):
    descriptor = json.loads((tiny_release.dir / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in descriptor["resources"] if r["name"] == TABLES[name]]
    assert resource["schema"] == load_schema(name)


def test_service_types_csv_has_the_schemas_columns(tiny_release):
    header = (tiny_release.dir / "data" / "service_types.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == [f["name"] for f in load_schema("service_types")["fields"]]
    header = (tiny_release.dir / "data" / "changes.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == [f["name"] for f in load_schema("changes")["fields"]]
