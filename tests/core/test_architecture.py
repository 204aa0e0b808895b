"""docs/architecture.md has one paragraph per package of the repository, and README's Layout names
each top-level one: the two cannot drift from the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# the packages the project installs: pyproject.toml [tool.setuptools.packages.find] include
FIND = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]
TOP_LEVEL = tuple(pattern.removesuffix("*") for pattern in FIND["include"])


def packages() -> list[str]:
    """Every package under the top-level ones (a folder with an __init__.py), dotted."""
    found = []
    for top in TOP_LEVEL:
        for init in sorted((ROOT / top).rglob("__init__.py")):
            found.append(".".join(init.parent.relative_to(ROOT).parts))
    return sorted(found)


def documented() -> list[str]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("\n## Packages\n", 1)[1]
    return sorted(re.findall(r"^### `([\w.]+)`$", section, re.M))


def test_architecture_md_has_a_paragraph_for_each_package():
    assert documented() == packages()


def test_each_package_paragraph_says_something():
    section = ARCHITECTURE.read_text(encoding="utf-8").split("\n## Packages\n", 1)[1]
    for block in re.split(r"^### ", section, flags=re.M)[1:]:
        assert len(block.split("\n", 1)[1].split()) >= 25, block.splitlines()[0]


def test_the_package_list_is_what_setuptools_installs():
    assert {"core", "etl", "portal", "bench"} <= set(TOP_LEVEL)
    assert {"core", "core.insight", "etl", "etl.io", "etl.sources", "portal", "bench"} <= set(packages())


def test_readme_layout_names_every_top_level_package_and_the_speed_wing():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    names = re.findall(r"^\s*([\w./, ]+?/)\s", layout, re.M)
    for package in (*TOP_LEVEL, "etl/io", "etl/sources", "core/insight", "schemas", "pages"):
        assert any(package + "/" in name for name in names), package
    assert "docs/architecture.md" in layout
