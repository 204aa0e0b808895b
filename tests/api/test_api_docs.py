"""docs/api.md cannot drift from the code: its tables list exactly the declared settings and parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.api.settings import SETTINGS
from portal.feeds import FEED_PARAMS
from portal.filters import API_PAGING, DASHBOARD_PARAMS
from portal.georeport import REQUEST_PARAMS

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _tables() -> list[list[list[str]]]:
    """Every Markdown table of docs/api.md, as rows of cells (header and rule left out)."""
    tables, current = [], []
    for line in API_MD.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("|"):
            current.append([c.strip() for c in line.strip("|").split("|")])
        elif current:
            tables.append(current[2:])
            current = []
    return tables


def _table_starting(name: str) -> list[list[str]]:
    found = [t for t in _tables() if t and t[0][0] == name]
    assert len(found) == 1, f"one table starting with {name} in docs/api.md"
    return found[0]


@pytest.mark.parametrize(
    "first, declared",
    [
        ("`jurisdiction_id`", REQUEST_PARAMS),
        ("`service_code`", FEED_PARAMS),
        ("`type`", {**DASHBOARD_PARAMS, **API_PAGING}),
    ],
)
def test_parameter_tables(first, declared):
    assert _table_starting(first) == [[f"`{k}`", v] for k, v in declared.items()]


def test_settings_table():
    expected = [
        [f"`{s.flag}`", f"`{s.env}`", f"`{s.default}`" if s.default != "" else "(empty)", s.help] for s in SETTINGS
    ]
    assert _table_starting("`--db`") == expected


def test_readme_and_deployment_show_how_to_start_it():
    root = API_MD.parents[1]
    for doc in (root / "README.md", root / "docs" / "deployment.md"):
        text = doc.read_text(encoding="utf-8")
        assert re.search(r"python -m portal\.api --db \S+", text), doc.name
