"""core.insight stays pure: shared by both sides, it imports neither, and never reads the clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INSIGHT = Path(__file__).resolve().parents[3] / "core" / "insight"
ALLOWED = {
    "__future__",
    "collections",
    "dataclasses",
    "functools",
    "json",
    "pathlib",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
}
CLOCK = {"now", "today", "utcnow", "time", "perf_counter", "monotonic"}
MODULES = sorted(INSIGHT.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_only_the_numeric_stack(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    assert found <= ALLOWED, f"{path.name} imports {sorted(found - ALLOWED)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_never_reads_the_clock_and_stays_small(path):
    source = path.read_text(encoding="utf-8")
    calls = {
        n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call)
    }
    assert not calls & CLOCK, f"{path.name} calls {sorted(calls & CLOCK)}: pass as_of in"
    assert len(source.splitlines()) <= 300
